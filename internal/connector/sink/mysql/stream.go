package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	gomysql "github.com/go-sql-driver/mysql"
)

// rowWriter takes the encoded rows of one statement's worth of table rows:
// a LOAD DATA stream or batched INSERTs.
type rowWriter interface {
	// write encodes and sends rows 0..n-1 of enc.
	write(ctx context.Context, enc *rowEncoder, n int) error
	// close sends the rest and waits for the server's outcome.
	close(ctx context.Context) error
	// abort stops the statement; the server discards or keeps what it has,
	// which the caller throws away.
	abort()
	// format is the row format the writer takes.
	format() format
}

// target is where a writer puts rows: a table and its columns (binary
// columns are loaded through hex), with optional extra integer columns.
type target struct {
	table   string   // unquoted
	columns []string // unquoted
	binary  []bool   // per column: loaded as hex
	extra   []string // unquoted integer columns after the others
	replace bool     // rows replace earlier rows of the same key
}

// loadDataSQL is the LOAD DATA statement reading reader into t.
func (t target) loadDataSQL(reader string) string {
	var cols, set []string
	for i, c := range t.columns {
		if t.binary[i] {
			v := "@v" + strconv.Itoa(i)
			cols = append(cols, v)
			set = append(set, quote(c)+" = UNHEX("+v+")")
		} else {
			cols = append(cols, quote(c))
		}
	}
	for _, c := range t.extra {
		cols = append(cols, quote(c))
	}
	mode := ""
	if t.replace {
		mode = "REPLACE "
	}
	q := "LOAD DATA LOCAL INFILE 'Reader::" + reader + "' " + mode + "INTO TABLE " + quote(t.table) +
		` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' (` +
		strings.Join(cols, ", ") + ")"
	if len(set) > 0 {
		q += " SET " + strings.Join(set, ", ")
	}
	return q
}

// insertPrefix is the head of the INSERT statements writing into t.
func (t target) insertPrefix() string {
	verb := "INSERT INTO "
	if t.replace {
		verb = "REPLACE INTO "
	}
	return verb + quote(t.table) + " (" + quoteAll(append(t.columns[:len(t.columns):len(t.columns)], t.extra...)) + ") VALUES "
}

// errLocalInfileRefused marks a server's refusal of LOAD DATA LOCAL.
var errLocalInfileRefused = errors.New("the server does not accept LOAD DATA LOCAL INFILE")

// refusesLocalInfile reports whether err is the server refusing LOAD DATA
// LOCAL: 1148 (ER_NOT_ALLOWED_COMMAND, MySQL 5.x and MariaDB), 3948
// (ER_CLIENT_LOCAL_FILES_DISABLED, MySQL 8) or 4166
// (ER_LOAD_INFILE_CAPABILITY_DISABLED, MariaDB 10.6+).
func refusesLocalInfile(err error) bool {
	var me *gomysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1148, 3948, 4166:
		return true
	}
	return false
}

// streamChunk is the size of the buffers rows are encoded into.
const streamChunk = 1 << 20

// readerSeq numbers the registered readers of this process.
var readerSeq atomic.Int64

// infileWriter is one LOAD DATA LOCAL INFILE 'Reader::<name>' running on a
// connection while the caller encodes rows: buffers go to the driver through
// a channel (a pipe with two buffers, so encoding and sending overlap) and
// the server parses rows as they arrive.
type infileWriter struct {
	t        target
	ch       chan []byte   // encoded buffers, to the driver
	free     chan []byte   // sent buffers, to reuse
	done     chan struct{} // closed when the statement ended
	accepted chan struct{} // closed when the server asked for the data
	err      error         // the statement's outcome, once done is closed
	buf      []byte
	rows     int64 // rows encoded
	loaded   int64 // rows the server reports, once done is closed
}

// startInfile starts LOAD DATA into t on conn and waits until the server
// asks for the data; a refusal is returned wrapping errLocalInfileRefused.
func startInfile(ctx context.Context, conn *sql.Conn, t target) (*infileWriter, error) {
	w := &infileWriter{t: t, ch: make(chan []byte, 1), free: make(chan []byte, 2),
		done: make(chan struct{}), accepted: make(chan struct{}),
		buf: make([]byte, 0, streamChunk+streamChunk/4)}
	name := "trestle-mysql-sink-" + strconv.FormatInt(readerSeq.Add(1), 10)
	r := &chanReader{ch: w.ch, free: w.free}
	var once sync.Once
	gomysql.RegisterReaderHandler(name, func() io.Reader {
		once.Do(func() { close(w.accepted) })
		return r
	})
	go func() {
		defer close(w.done)
		defer gomysql.DeregisterReaderHandler(name)
		res, err := conn.ExecContext(ctx, t.loadDataSQL(name))
		if err == nil {
			w.loaded, err = res.RowsAffected()
		}
		if err == nil {
			err = checkWarnings(ctx, conn)
		}
		w.err = err
	}()
	select {
	case <-w.accepted:
		return w, nil
	case <-w.done:
		if refusesLocalInfile(w.err) {
			return nil, fmt.Errorf("%w: %w", errLocalInfileRefused, w.err)
		}
		if w.err == nil {
			w.err = errors.New("LOAD DATA ended before reading its data")
		}
		return nil, w.err
	}
}

func (w *infileWriter) format() format { return textFormat }

func (w *infileWriter) write(_ context.Context, enc *rowEncoder, n int) error {
	var err error
	for i := range n {
		if w.buf, err = enc.appendRow(w.buf, i); err != nil {
			return fmt.Errorf("row %d: %w", w.rows+1, err)
		}
		w.rows++
		if len(w.buf) >= streamChunk {
			if err := w.send(); err != nil {
				return err
			}
		}
	}
	return nil
}

// send hands the buffer to the driver and takes a free one.
func (w *infileWriter) send() error {
	select {
	case w.ch <- w.buf:
	case <-w.done:
		if w.err != nil {
			return w.err
		}
		return errors.New("LOAD DATA ended early")
	}
	select {
	case b := <-w.free:
		w.buf = b[:0]
	default:
		w.buf = make([]byte, 0, streamChunk+streamChunk/4)
	}
	return nil
}

func (w *infileWriter) close(context.Context) error {
	if len(w.buf) > 0 {
		if err := w.send(); err != nil {
			return err
		}
	}
	close(w.ch)
	<-w.done
	if w.err != nil {
		return w.err
	}
	if !w.t.replace && w.loaded != w.rows {
		return fmt.Errorf("the server loaded %d rows of the %d sent", w.loaded, w.rows)
	}
	return nil
}

func (w *infileWriter) abort() {
	select {
	case <-w.done:
		return
	case w.ch <- nil: // makes the reader fail, which ends the statement
	}
	<-w.done
}

// chanReader reads the buffers of an infileWriter: a nil buffer is an error
// (the load was aborted), a closed channel the end of the data.
type chanReader struct {
	ch   chan []byte
	free chan []byte
	cur  []byte
	last []byte
}

func (r *chanReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.last != nil {
			select {
			case r.free <- r.last:
			default:
			}
			r.last = nil
		}
		b, ok := <-r.ch
		if !ok {
			return 0, io.EOF
		}
		if b == nil {
			return 0, errors.New("load aborted")
		}
		r.cur, r.last = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// checkWarnings fails when the last statement on conn left warnings: LOAD
// DATA LOCAL turns bad values and duplicate keys into warnings (the server
// cannot stop the client's stream), and a load must be all or nothing.
func checkWarnings(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, "SHOW WARNINGS LIMIT 5")
	if err != nil {
		return fmt.Errorf("read the load's warnings: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return fmt.Errorf("read the load's warnings: %w", err)
		}
		if level != "Note" {
			msgs = append(msgs, fmt.Sprintf("%s (%d)", msg, code))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the load's warnings: %w", err)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("the server rejected values: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// insertChunk is the size INSERT statements are cut at (below the server's
// max_allowed_packet when that is smaller).
const insertChunk = 4 << 20

// insertWriter writes rows with multi-row INSERT (or REPLACE) statements of
// about insertChunk bytes, for servers that refuse LOAD DATA LOCAL.
type insertWriter struct {
	conn    *sql.Conn
	prefix  string
	limit   int // a statement's longest length
	chunk   int // the length at which a statement is sent
	buf     []byte
	row     []byte
	inStmt  int   // rows in buf
	written int64 // rows before buf
}

func newInsertWriter(conn *sql.Conn, t target, maxPacket int) *insertWriter {
	prefix := t.insertPrefix()
	limit := max(maxPacket-1024, 64<<10)
	return &insertWriter{conn: conn, prefix: prefix, limit: limit, chunk: min(insertChunk, limit/2),
		buf: append(make([]byte, 0, min(insertChunk, limit)+64<<10), prefix...)}
}

func (w *insertWriter) format() format { return literalFormat }

func (w *insertWriter) write(ctx context.Context, enc *rowEncoder, n int) error {
	var err error
	for i := range n {
		if w.row, err = enc.appendRow(w.row[:0], i); err != nil {
			return fmt.Errorf("row %d: %w", w.written+int64(w.inStmt)+1, err)
		}
		if len(w.prefix)+len(w.row) > w.limit {
			return fmt.Errorf("row %d is %d bytes, more than the server's max_allowed_packet (%d) allows",
				w.written+int64(w.inStmt)+1, len(w.row), w.limit+1024)
		}
		if w.inStmt > 0 && len(w.buf)+1+len(w.row) > w.limit {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
		if w.inStmt > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, w.row...)
		w.inStmt++
		if len(w.buf) >= w.chunk {
			if err := w.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush sends the statement in buf.
func (w *insertWriter) flush(ctx context.Context) error {
	if w.inStmt == 0 {
		return nil
	}
	if _, err := w.conn.ExecContext(ctx, string(w.buf)); err != nil {
		return fmt.Errorf("insert rows %d to %d: %w", w.written+1, w.written+int64(w.inStmt), err)
	}
	w.written += int64(w.inStmt)
	w.inStmt = 0
	w.buf = append(w.buf[:0], w.prefix...)
	return nil
}

func (w *insertWriter) close(ctx context.Context) error { return w.flush(ctx) }

func (w *insertWriter) abort() {}
