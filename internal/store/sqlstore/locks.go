package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Named locks (store.Locks). On PostgreSQL a lock is a session-level advisory
// lock, taken with pg_try_advisory_lock on a connection set aside from the pool
// until the lock is released: PostgreSQL frees it when that session ends, so a
// hub process that dies cannot leave it held. Each held lock keeps one of the
// pool's connections. The lock's key is a 64-bit hash of the name and the
// schema the store works in, so two hubs in two schemas of one database do not
// share locks.
//
// On SQLite, which one process writes, a lock is a mark in this process, by
// database file and name.

// sqliteLocks holds the names locked on SQLite databases in this process, by
// database file.
var sqliteLocks = struct {
	sync.Mutex
	held map[string]bool
}{held: map[string]bool{}}

// TryLock implements store.Store.
func (s *Store) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if strings.TrimSpace(name) == "" {
		return nil, false, errors.New("a lock needs a name")
	}
	if s.d.postgres() {
		return s.tryAdvisoryLock(ctx, name)
	}
	return s.trySQLiteLock(name)
}

func (s *Store) trySQLiteLock(name string) (func(), bool, error) {
	file, err := filepath.Abs(s.desc)
	if err != nil {
		file = s.desc
	}
	key := file + "\x00" + name
	sqliteLocks.Lock()
	defer sqliteLocks.Unlock()
	if sqliteLocks.held[key] {
		return nil, false, nil
	}
	sqliteLocks.held[key] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			sqliteLocks.Lock()
			delete(sqliteLocks.held, key)
			sqliteLocks.Unlock()
		})
	}, true, nil
}

// lockKey maps a lock's schema and name to a PostgreSQL advisory lock key.
func lockKey(schema, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("trestle-lock:" + schema + ":" + name))
	return int64(h.Sum64())
}

func (s *Store) tryAdvisoryLock(ctx context.Context, name string) (func(), bool, error) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("take the lock %q: %w", name, err)
	}
	var schema string
	var ok bool
	err = conn.QueryRowContext(ctx, "SELECT COALESCE(current_schema(), '')").Scan(&schema)
	key := lockKey(schema, name)
	if err == nil {
		err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok)
	}
	if err != nil {
		// The lock may or may not have been taken: end the session to be sure.
		discardConn(conn)
		return nil, false, fmt.Errorf("take the lock %q: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var unlocked bool
			err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&unlocked)
			if err != nil || !unlocked {
				discardConn(conn) // ending the session frees the lock
				return
			}
			conn.Close()
		})
	}, true, nil
}

// discardConn closes a connection's session instead of returning it to the
// pool.
func discardConn(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
