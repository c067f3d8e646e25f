package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// copyChunk is the size of the buffers rows are encoded into before they are
// handed to the connection.
const copyChunk = 1 << 20

// copyStream is one COPY ... FROM STDIN (FORMAT binary) running on the
// load's connection while batches are encoded: the caller encodes rows into
// one buffer while the connection sends the previous one, and the server
// parses rows as they arrive. Nothing else may use the connection until
// close or abort.
type copyStream struct {
	ch   chan []byte   // encoded buffers, to the connection
	free chan []byte   // sent buffers, to reuse
	done chan struct{} // closed when the COPY ended
	err  error         // the COPY's outcome, once done is closed
	buf  []byte
}

// startCopy starts a COPY of columns into table on conn.
func startCopy(ctx context.Context, conn *pgconn.PgConn, table pgx.Identifier, columns []string) *copyStream {
	cs := &copyStream{ch: make(chan []byte, 1), free: make(chan []byte, 2), done: make(chan struct{})}
	cs.buf = append(make([]byte, 0, copyChunk+copyChunk/4), copyHeader...)
	r := &chanReader{ch: cs.ch, free: cs.free}
	sql := "COPY " + table.Sanitize() + " (" + idents(columns) + ") FROM STDIN (FORMAT binary)"
	go func() {
		defer close(cs.done)
		_, cs.err = conn.CopyFrom(ctx, r, sql)
	}()
	return cs
}

// write encodes rec's rows.
func (cs *copyStream) write(rec arrow.RecordBatch) error {
	enc, err := newRowEncoder(rec)
	if err != nil {
		return err
	}
	return cs.encode(enc, int(rec.NumRows()))
}

// encode encodes n rows with enc.
func (cs *copyStream) encode(enc *rowEncoder, n int) error {
	for i := range n {
		cs.buf = enc.appendRow(cs.buf, i)
		if len(cs.buf) >= copyChunk {
			if err := cs.send(); err != nil {
				return err
			}
		}
	}
	return nil
}

// send hands the buffer to the connection and takes a free one.
func (cs *copyStream) send() error {
	select {
	case cs.ch <- cs.buf:
	case <-cs.done:
		return cs.ended()
	}
	select {
	case b := <-cs.free:
		cs.buf = b[:0]
	default:
		cs.buf = make([]byte, 0, copyChunk+copyChunk/4)
	}
	return nil
}

// ended is the COPY's error once it stopped before its end.
func (cs *copyStream) ended() error {
	if cs.err != nil {
		return cs.err
	}
	return errors.New("COPY ended early")
}

// close sends the trailer and waits for the COPY's outcome.
func (cs *copyStream) close() error {
	cs.buf = append(cs.buf, copyTrailer...)
	if err := cs.send(); err != nil {
		return err
	}
	close(cs.ch)
	<-cs.done
	return cs.err
}

// abort stops the COPY (the server discards it) and waits for it to end.
func (cs *copyStream) abort() {
	select {
	case <-cs.done:
		return
	default:
	}
	select {
	case cs.ch <- nil: // a nil buffer makes the reader fail
	case <-cs.done:
	}
	<-cs.done
}

// chanReader reads the buffers of a copyStream; a nil buffer is an error
// (the load was aborted), a closed channel the end.
type chanReader struct {
	ch   chan []byte
	free chan []byte
	cur  []byte
	full []byte
}

func (r *chanReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.full != nil {
			select {
			case r.free <- r.full:
			default:
			}
			r.full = nil
		}
		b, ok := <-r.ch
		if !ok {
			return 0, io.EOF
		}
		if b == nil {
			return 0, errors.New("load aborted")
		}
		r.cur, r.full = b, b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// copyOnce COPYs one batch into table (already created) on the load's
// connection.
func (l *load) copyOnce(ctx context.Context, table pgx.Identifier, rec arrow.RecordBatch) error {
	cs := startCopy(ctx, l.tx.Conn().PgConn(), table, columnNames(rec.Schema()))
	if err := cs.write(rec); err != nil {
		cs.abort()
		return fmt.Errorf("postgres sink: %s: copy: %w", l.t.Name, err)
	}
	if err := cs.close(); err != nil {
		return fmt.Errorf("postgres sink: %s: copy: %w", l.t.Name, err)
	}
	return nil
}

func columnNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}
