package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/trestle-dev/trestle/internal/connector/config"
)

// Target of the MariaDB figure: LOAD DATA time / sync time, at least.
const targetMariaDBRatio = 0.6

// myBench is the MariaDB (or MySQL) server the benchmark loads into
// (--mariadb): one database per load, named after this process.
type myBench struct {
	cfg     *gomysql.Config
	db      *sql.DB
	version string
	prefix  string
}

func connectMariaDB(ctx context.Context, dsn string) (*myBench, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("--mariadb-dsn: %w", err)
	}
	cfg.ParseTime = false
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	m := &myBench{cfg: cfg, db: db, prefix: fmt.Sprintf("bench_%d", os.Getpid())}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.QueryRowContext(cctx, "SELECT VERSION()").Scan(&m.version); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to MariaDB (%s@%s): %w", cfg.User, cfg.Addr, err)
	}
	return m, nil
}

func (m *myBench) close() { m.db.Close() }

// dsn is the DSN of one of the benchmark's databases.
func (m *myBench) dsn(database string) string {
	c := m.cfg.Clone()
	c.DBName = database
	return c.FormatDSN()
}

func (m *myBench) createDatabase(ctx context.Context, name string) error {
	_, err := m.db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	if err == nil {
		_, err = m.db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4")
	}
	return err
}

func (m *myBench) dropDatabase(ctx context.Context, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := m.db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
		logf("could not drop database %s: %v", name, err)
	}
}

// loadBaseline loads the CSV export into database.orders, created with the
// column types (and primary key) the connector's MySQL destination gives the
// table, with one LOAD DATA LOCAL INFILE of the file. The CSV is
// PostgreSQL's form, so booleans (t/f), timestamps (a "Z" suffix) and NULL
// notes (an empty unquoted field; no note is empty) are converted by SET
// clauses. It returns the load's time.
func (m *myBench) loadBaseline(ctx context.Context, database string, as *arrow.Schema, csvFile string) (float64, error) {
	cols, err := myColumns(as)
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("mysql", m.dsn(database))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE orders ("+strings.Join(cols, ", ")+
		", PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"); err != nil {
		return 0, err
	}
	var list []string
	for _, f := range as.Fields() {
		switch f.Name {
		case "active", "updated_at", "note":
			list = append(list, "@"+f.Name)
		default:
			list = append(list, "`"+f.Name+"`")
		}
	}
	gomysql.RegisterLocalFile(csvFile)
	defer gomysql.DeregisterLocalFile(csvFile)
	q := "LOAD DATA LOCAL INFILE '" + strings.ReplaceAll(csvFile, "'", "''") + "' INTO TABLE orders CHARACTER SET utf8mb4" +
		` FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' (` +
		strings.Join(list, ", ") + ") SET active = (@active = 't'), updated_at = TRIM(TRAILING 'Z' FROM @updated_at), note = NULLIF(@note, '')"
	start := time.Now()
	_, err = conn.ExecContext(ctx, q)
	secs := time.Since(start).Seconds()
	if err != nil {
		return 0, fmt.Errorf("LOAD DATA of the CSV file: %w", err)
	}
	var warnings int
	if err := conn.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&warnings); err != nil {
		return 0, err
	}
	if warnings > 0 {
		var level, msg string
		var code int
		_ = conn.QueryRowContext(ctx, "SHOW WARNINGS LIMIT 1").Scan(&level, &code, &msg)
		return 0, fmt.Errorf("LOAD DATA of the CSV file left %d warnings, the first: %s", warnings, msg)
	}
	return secs, nil
}

// myColumns are column definitions with the types the connector's MySQL
// destination gives the table's Arrow types (id is the key, a BIGINT).
func myColumns(as *arrow.Schema) ([]string, error) {
	var cols []string
	for _, f := range as.Fields() {
		var typ string
		switch t := f.Type.(type) {
		case *arrow.Int64Type:
			typ = "BIGINT"
		case *arrow.Int32Type:
			typ = "INT"
		case *arrow.Int16Type:
			typ = "SMALLINT"
		case *arrow.Float64Type:
			typ = "DOUBLE"
		case *arrow.BooleanType:
			typ = "BOOLEAN"
		case *arrow.StringType:
			typ = "LONGTEXT CHARACTER SET utf8mb4"
		case *arrow.Date32Type:
			typ = "DATE"
		case *arrow.TimestampType:
			typ = "DATETIME(6) COMMENT 'UTC'"
		case *arrow.Decimal128Type:
			typ = fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
		case *arrow.ListType:
			typ = "JSON"
		default:
			return nil, fmt.Errorf("column %s: type %s has no MySQL mapping here", f.Name, f.Type)
		}
		cols = append(cols, "`"+f.Name+"` "+typ)
	}
	return cols, nil
}

// fingerprint returns aggregates over every column of a table of the
// benchmark's schema (as pgBench.fingerprint does).
func (m *myBench) fingerprint(ctx context.Context, database, table string) (string, error) {
	var fp string
	err := m.db.QueryRowContext(ctx, `SELECT CONCAT_WS(' | ', COUNT(*), SUM(id), SUM(CHAR_LENGTH(name)), SUM(CHAR_LENGTH(email)),
		COUNT(DISTINCT city), SUM(CHAR_LENGTH(description)), SUM(quantity), SUM(CAST(price AS DECIMAL(30,10))), SUM(amount),
		SUM(active), SUM(DATEDIFF(created, '2015-01-01')), MIN(updated_at), MAX(updated_at),
		COUNT(note), SUM(CHAR_LENGTH(note)), COUNT(DISTINCT category), SUM(priority), SUM(JSON_LENGTH(tags)),
		SUM(CRC32(description)), SUM(CRC32(tags)), SUM(CRC32(note)))
		FROM `+"`"+database+"`.`"+table+"`").Scan(&fp)
	if err != nil {
		return "", fmt.Errorf("aggregates of %s.%s: %w", database, table, err)
	}
	return fp, nil
}

// mariadbRun times the LOAD DATA baseline and the full sync into MariaDB.
func (b *bench) mariadbRun(ctx context.Context, run int) error {
	if b.my == nil {
		return nil
	}
	m, info := b.my, b.src.info
	logf("run %d: MariaDB baseline: LOAD DATA LOCAL INFILE of the CSV export ...", run)
	baseDB := fmt.Sprintf("%s_load_%d", m.prefix, run)
	base := measurement{Run: run, Name: "mariadb/load-data", Rows: info.Rows, Bytes: info.CSVBytes,
		Label: "MariaDB baseline: LOAD DATA LOCAL INFILE of the CSV (table with primary key)"}
	err := m.createDatabase(ctx, baseDB)
	if err == nil {
		base.Seconds, err = m.loadBaseline(ctx, baseDB, b.src.arrow, b.csv)
	}
	var baseFP string
	if err == nil {
		baseFP, err = m.fingerprint(ctx, baseDB, "orders")
	}
	if err == nil && !strings.HasPrefix(baseFP, fmt.Sprintf("%d | %d | ", info.Rows, info.SumID)) {
		err = fmt.Errorf("the baseline table holds %s, want %d rows with sum(id) %d", baseFP, info.Rows, info.SumID)
	}
	m.dropDatabase(ctx, baseDB)
	base.Error = errText(err)
	b.rep.add(base)
	if err := stopped(ctx); err != nil {
		return err
	}

	logf("run %d: trestle connector sync --full into MariaDB ...", run)
	syncDB := fmt.Sprintf("%s_sync_%d", m.prefix, run)
	defer m.dropDatabase(ctx, syncDB)
	s := measurement{Run: run, Name: "mariadb/sync-full", Label: "trestle connector sync --full into MariaDB"}
	var c *connectorDir
	if err = m.createDatabase(ctx, syncDB); err == nil {
		c, err = newConnector(filepath.Join(b.runDir, fmt.Sprintf("mariadb-%d", run)), b.hub.profile,
			config.Destination{Type: "mysql", MySQL: &config.MySQLConfig{DSN: m.dsn(syncDB)}})
	}
	if err != nil {
		s.Error = err.Error()
		b.rep.add(s)
		return stopped(ctx)
	}
	s, _, err = b.measureSync(ctx, c, true, s)
	if err == nil {
		var fp string
		if fp, err = m.fingerprint(ctx, syncDB, destTableName); err == nil {
			switch {
			case !strings.HasPrefix(fp, fmt.Sprintf("%d | %d | ", info.Rows, info.SumID)):
				err = fmt.Errorf("the synced table holds %s, want %d rows with sum(id) %d", fp, info.Rows, info.SumID)
			case baseFP != "" && fp != baseFP:
				err = fmt.Errorf("the synced table's aggregates differ from the LOAD DATA baseline's:\n  sync: %s\n  LOAD DATA: %s", fp, baseFP)
			case baseFP != "":
				s.Note += "; same aggregates as the LOAD DATA baseline"
			}
		}
		s.Error = errText(err)
	}
	s.Note += "; load " + loadAverage()
	b.rep.add(s)
	if err == nil && base.Error == "" {
		ratio := base.Seconds / s.Seconds
		b.rep.check(check{Run: run, Name: "MariaDB: LOAD DATA time / sync time", Value: ratio,
			Shown: fmt.Sprintf("%.2f", ratio), Target: fmt.Sprintf(">= %.2f", targetMariaDBRatio), Met: ratio >= targetMariaDBRatio})
	}
	return stopped(ctx)
}

// loadAverage is the 1-minute load average (Linux), for the note.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "average unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "average unknown"
	}
	return "average " + strings.Join(f[:3], " ")
}
