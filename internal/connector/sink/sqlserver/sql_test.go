package sqlserver

import (
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/trestle-dev/trestle/internal/connector/sink"
)

func TestQuoteIdent(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "[plain]"},
		{"Text Col", "[Text Col]"},
		{"a]b", "[a]]b]"},
		{"]]", "[]]]]]"},
		{"[x]", "[[x]]]"},
		{"it's", "[it's]"},
		{"日本語 🎉", "[日本語 🎉]"},
		{"", "[]"},
	} {
		if got := quoteIdent(c.in); got != c.want {
			t.Errorf("quoteIdent(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestQuoteString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"dbo", "N'dbo'"},
		{"it's", "N'it''s'"},
		{"''", "N''''''"},
		{"[a]]b]", "N'[a]]b]'"},
		{"", "N''"},
	} {
		if got := quoteString(c.in); got != c.want {
			t.Errorf("quoteString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	if err := checkName(strings.Repeat("a", 128)); err != nil {
		t.Errorf("128 characters: %v", err)
	}
	if err := checkName(strings.Repeat("日", 128)); err != nil {
		t.Errorf("128 CJK characters: %v", err)
	}
	for _, bad := range []string{"", strings.Repeat("a", 129), strings.Repeat("🎉", 65)} {
		if err := checkName(bad); err == nil {
			t.Errorf("checkName(%q...) = nil, want an error", bad[:min(len(bad), 8)])
		}
	}
}

func TestCreateSchemaSQL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"dbo", `IF SCHEMA_ID(N'dbo') IS NULL EXEC(N'CREATE SCHEMA [dbo]')`},
		{"it's a]b", `IF SCHEMA_ID(N'it''s a]b') IS NULL EXEC(N'CREATE SCHEMA [it''s a]]b]')`},
	} {
		if got := createSchemaSQL(c.in); got != c.want {
			t.Errorf("createSchemaSQL(%q) =\n %s\nwant\n %s", c.in, got, c.want)
		}
	}
}

// testColumns maps a small schema with a two-column key given out of schema order.
func testColumns(t *testing.T) []column {
	t.Helper()
	s := arrow.NewSchema([]arrow.Field{
		{Name: "company", Type: arrow.BinaryTypes.String},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "Full Name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "odd]name", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
	}, nil)
	cols, err := columns(sink.Table{Name: "demo__people", Schema: s, Key: []string{"id", "company"}})
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func TestCreateTableSQL(t *testing.T) {
	cols := testColumns(t)
	for _, c := range []struct {
		name    string
		table   string
		withKey bool
		want    string
	}{
		{"staging", "demo__people__staging", false,
			"CREATE TABLE [dbo].[demo__people__staging] ([company] nvarchar(450) NOT NULL, [id] bigint NOT NULL, " +
				"[Full Name] nvarchar(max) NULL, [odd]]name] decimal(18,2) NULL)"},
		{"with key", "demo__people", true,
			"CREATE TABLE [dbo].[demo__people] ([company] nvarchar(450) NOT NULL, [id] bigint NOT NULL, " +
				"[Full Name] nvarchar(max) NULL, [odd]]name] decimal(18,2) NULL, PRIMARY KEY ([id], [company]))"},
	} {
		if got := createTableSQL("dbo", c.table, cols, c.withKey); got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.name, got, c.want)
		}
	}
	// No key: no constraint, every column nullable.
	noKey, err := columns(sink.Table{Name: "t", Schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := createTableSQL("s", "t", noKey, true), "CREATE TABLE [s].[t] ([x] int NULL)"; got != want {
		t.Errorf("no key: got %s, want %s", got, want)
	}
	if got := addPrimaryKeySQL("s", "t", noKey); got != "" {
		t.Errorf("addPrimaryKeySQL without key = %q, want empty", got)
	}
}

func TestAddPrimaryKeySQL(t *testing.T) {
	got := addPrimaryKeySQL("my schema", "demo__people__staging", testColumns(t))
	want := "ALTER TABLE [my schema].[demo__people__staging] ADD PRIMARY KEY ([id], [company])"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSwapSQL(t *testing.T) {
	got := swapSQL("dbo", "demo__people")
	want := []string{
		"DROP TABLE IF EXISTS [dbo].[demo__people__old]",
		"IF OBJECT_ID(N'[dbo].[demo__people]', N'U') IS NOT NULL EXEC sp_rename N'[dbo].[demo__people]', N'demo__people__old', N'OBJECT'",
		"EXEC sp_rename N'[dbo].[demo__people__staging]', N'demo__people', N'OBJECT'",
		"DROP TABLE IF EXISTS [dbo].[demo__people__old]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}

	// Brackets are doubled inside the delimited name, quotes doubled in the
	// literal; the new name is a plain name, not delimited.
	got = swapSQL("o'k", "it's]x")
	want = []string{
		"DROP TABLE IF EXISTS [o'k].[it's]]x__old]",
		"IF OBJECT_ID(N'[o''k].[it''s]]x]', N'U') IS NOT NULL EXEC sp_rename N'[o''k].[it''s]]x]', N'it''s]x__old', N'OBJECT'",
		"EXEC sp_rename N'[o''k].[it''s]]x__staging]', N'it''s]x', N'OBJECT'",
		"DROP TABLE IF EXISTS [o'k].[it's]]x__old]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
}

func TestTypePropertiesSQL(t *testing.T) {
	cols := testColumns(t)[1:3]
	got := typePropertiesSQL("dbo", "it's", cols)
	want := "EXEC sys.sp_addextendedproperty @name = N'trestle_type', @value = N'long', " +
		"@level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'it''s', " +
		"@level2type = N'COLUMN', @level2name = N'id';\n" +
		"EXEC sys.sp_addextendedproperty @name = N'trestle_type', @value = N'string', " +
		"@level0type = N'SCHEMA', @level0name = N'dbo', @level1type = N'TABLE', @level1name = N'it''s', " +
		"@level2type = N'COLUMN', @level2name = N'Full Name'"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMissingColumnsAndAddColumnSQL(t *testing.T) {
	cols := testColumns(t)
	// Names compare without case, as SQL Server's default collations do.
	missing := missingColumns([]string{"COMPANY", "id"}, cols)
	var names []string
	for _, c := range missing {
		names = append(names, c.name)
	}
	if want := []string{"Full Name", "odd]name"}; !slices.Equal(names, want) {
		t.Fatalf("missing = %q, want %q", names, want)
	}
	if got := missingColumns([]string{"company", "id", "full name", "ODD]NAME", "extra"}, cols); len(got) != 0 {
		t.Errorf("missing = %v, want none", got)
	}
	for _, c := range []struct {
		col  column
		want string
	}{
		{missing[0], "ALTER TABLE [dbo].[t] ADD [Full Name] nvarchar(max) NULL"},
		{missing[1], "ALTER TABLE [dbo].[t] ADD [odd]]name] decimal(18,2) NULL"},
		// A key column added to an existing table stays nullable: the table may hold rows.
		{cols[0], "ALTER TABLE [dbo].[t] ADD [company] nvarchar(450) NULL"},
	} {
		if got := addColumnSQL("dbo", "t", c.col); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestCreateChangesSQL(t *testing.T) {
	got := createChangesSQL(testColumns(t))
	want := "CREATE TABLE #trestle_changes ([company] nvarchar(450) COLLATE DATABASE_DEFAULT NULL, [id] bigint NULL, " +
		"[Full Name] nvarchar(max) COLLATE DATABASE_DEFAULT NULL, [odd]]name] decimal(18,2) NULL, " +
		"[__trestle_seq] bigint NOT NULL, [__trestle_op] tinyint NOT NULL)"
	if got != want {
		t.Errorf("got\n %s\nwant\n %s", got, want)
	}
}

func TestApplySQL(t *testing.T) {
	got := applySQL("dbo", "demo__people", testColumns(t))
	want := []string{
		"WITH numbered AS (SELECT ROW_NUMBER() OVER (PARTITION BY [id], [company] ORDER BY [__trestle_seq] DESC) AS rn " +
			"FROM #trestle_changes) DELETE FROM numbered WHERE rn > 1",
		"DELETE t FROM [dbo].[demo__people] AS t INNER JOIN #trestle_changes AS c " +
			"ON t.[company] = c.[company] AND t.[id] = c.[id] WHERE c.[__trestle_op] = 1",
		"MERGE INTO [dbo].[demo__people] WITH (HOLDLOCK) AS t USING (SELECT [company], [id], [Full Name], [odd]]name] " +
			"FROM #trestle_changes WHERE [__trestle_op] = 0) AS c ON t.[company] = c.[company] AND t.[id] = c.[id] " +
			"WHEN MATCHED THEN UPDATE SET t.[Full Name] = c.[Full Name], t.[odd]]name] = c.[odd]]name] " +
			"WHEN NOT MATCHED BY TARGET THEN INSERT ([company], [id], [Full Name], [odd]]name]) " +
			"VALUES (c.[company], c.[id], c.[Full Name], c.[odd]]name]);",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n %s\nwant\n %s", strings.Join(got, "\n "), strings.Join(want, "\n "))
	}
}

func TestApplySQLKeyOnlyAndNoKey(t *testing.T) {
	keyOnly, err := columns(sink.Table{Name: "k", Key: []string{"id"},
		Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	got := applySQL("dbo", "k", keyOnly)
	// Nothing to update: the MERGE only inserts.
	want := "MERGE INTO [dbo].[k] WITH (HOLDLOCK) AS t USING (SELECT [id] FROM #trestle_changes WHERE [__trestle_op] = 0) AS c " +
		"ON t.[id] = c.[id] WHEN NOT MATCHED BY TARGET THEN INSERT ([id]) VALUES (c.[id]);"
	if len(got) != 3 || got[2] != want {
		t.Errorf("key only: got\n %s\nwant last\n %s", strings.Join(got, "\n "), want)
	}

	noKey, err := columns(sink.Table{Name: "log", Schema: arrow.NewSchema([]arrow.Field{
		{Name: "at", Type: arrow.FixedWidthTypes.Date32}, {Name: "msg", Type: arrow.BinaryTypes.String}}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	got = applySQL("dbo", "log", noKey)
	want = "INSERT INTO [dbo].[log] ([at], [msg]) SELECT [at], [msg] FROM #trestle_changes WHERE [__trestle_op] = 0 ORDER BY [__trestle_seq]"
	if !slices.Equal(got, []string{want}) {
		t.Errorf("no key: got %q, want %q", got, want)
	}
}
