// Package datafile writes and reads the Parquet data files of a Delta table.
//
// ArrowSchema and DeltaSchema convert between a Delta table schema
// (schema.StructType) and an Arrow schema, using the physical types the Delta
// protocol's "Delta Data Type to Parquet Type Mappings" appendix names: dates as
// DATE, timestamp as TIMESTAMP(isAdjustedToUTC=true, MICROS), timestamp_ntz as
// TIMESTAMP(isAdjustedToUTC=false, MICROS), decimals as DECIMAL, arrays and maps
// as three-level LIST and MAP groups.
//
// Writer streams Arrow record batches into one Parquet file (zstd by default,
// dictionary encoding on, row groups bounded by rows and bytes). It spools the
// file to a local temporary file and hands it to blob.Store.Put only on Close,
// so readers of the store see the whole file or nothing, and memory stays
// bounded by one row group. While the batches stream through, the writer
// computes the per-file statistics of the protocol's "Per-file Statistics"
// appendix (numRecords, minValues, maxValues, nullCount); FileInfo.Stats.JSON is
// the string an add action's stats field holds.
//
// Reader opens a Parquet file in a blob.Store through random access (ReadAt),
// and returns it one row group, or one bounded batch, at a time.
package datafile
