package fileurl

import "io"

// Read-ahead copying of whole files.
const (
	chunkSize  = 4 << 20 // large reads let the kernel read ahead further
	chunkAhead = 3       // chunks read before they are written
)

// copyAhead copies r to w with reads running ahead of writes on another
// goroutine. It returns the first error of either side.
func copyAhead(w io.Writer, r io.Reader) error {
	type chunk struct {
		buf []byte
		n   int
		err error
	}
	full := make(chan chunk, chunkAhead)
	free := make(chan []byte, chunkAhead+1)
	for range chunkAhead + 1 {
		free <- make([]byte, chunkSize)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{buf, n, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range full {
		if c.n > 0 {
			if _, err := w.Write(c.buf[:c.n]); err != nil {
				return err
			}
		}
		if c.err == io.EOF {
			return nil
		}
		if c.err != nil {
			return c.err
		}
		free <- c.buf
	}
	return nil
}
