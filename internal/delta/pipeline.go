package delta

import (
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
)

// pipelineDepth is how many batches the producer of a write may run ahead of
// the Parquet writer.
const pipelineDepth = 2

// pipelined runs the batches iterator on its own goroutine, a few batches ahead
// of the consumer, so that producing rows (reading a source, encoding records)
// and writing Parquet use two cores. Each batch is retained for the consumer
// and released after the consumer's loop body returns. When the consumer stops
// early, the producer is told to stop and the batches in flight are released.
func pipelined(batches iter.Seq2[arrow.RecordBatch, error]) iter.Seq2[arrow.RecordBatch, error] {
	type item struct {
		rec arrow.RecordBatch
		err error
	}
	return func(yield func(arrow.RecordBatch, error) bool) {
		ch := make(chan item, pipelineDepth)
		done := make(chan struct{})
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			defer close(ch)
			for rec, err := range batches {
				select {
				case <-done:
					return
				default:
				}
				if rec != nil {
					rec.Retain()
				}
				select {
				case ch <- item{rec, err}:
				case <-done:
					if rec != nil {
						rec.Release()
					}
					return
				}
				if err != nil {
					return
				}
			}
		}()
		defer func() {
			close(done)
			for it := range ch { // let the producer finish; release what it sent
				if it.rec != nil {
					it.rec.Release()
				}
			}
			<-finished
		}()
		for it := range ch {
			ok := yield(it.rec, it.err)
			if it.rec != nil {
				it.rec.Release()
			}
			if !ok || it.err != nil {
				return
			}
		}
	}
}
