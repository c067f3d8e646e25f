package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trestle-dev/trestle/internal/templates"
)

func newTemplateCmd(g *globals) *cobra.Command {
	var dir string
	var force bool
	names := []string{"all"}
	for _, s := range templates.Specs() {
		names = append(names, s.Name)
	}
	cmd := &cobra.Command{
		Use:   "template [entity|all]",
		Short: "Write blank CSV templates for an import or the SFTP drop",
		Long: `Write the blank CSV template of one entity, or of all of them (the default), into a
folder: ` + strings.Join(names[1:], ", ") + `.

Each template comes as two files: <entity>.csv holds the header row alone, ready to
fill, and <entity>.example.csv holds the same header and one example row. Every row of
a template is read as data, so keep examples out of the files you import.
docs/templates.md lists every column with its type, whether it is required, and an
example. Existing files are left alone unless --force is given.`,
		Example: `  trestle template
  trestle template people --dir ./import`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: names,
		RunE: func(cmd *cobra.Command, args []string) error {
			specs := templates.Specs()
			if len(args) == 1 && !strings.EqualFold(args[0], "all") {
				s, ok := templates.Lookup(args[0])
				if !ok {
					return fmt.Errorf("there is no template %q; use one of %s", args[0], strings.Join(names, ", "))
				}
				specs = []*templates.Spec{s}
			}
			return writeTemplates(g, dir, force, specs)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "folder to write the templates into (created when missing)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that already exist")
	return cmd
}

// writeTemplates writes each template and its example into dir. Without force it
// writes nothing when any of the files exists.
func writeTemplates(g *globals, dir string, force bool, specs []*templates.Spec) error {
	type file struct {
		name string
		data []byte
	}
	var files []file
	for _, s := range specs {
		var tmpl, example bytes.Buffer
		if err := templates.WriteTemplate(&tmpl, s.Kind); err != nil {
			return err
		}
		if err := templates.WriteExample(&example, s.Kind); err != nil {
			return err
		}
		files = append(files, file{s.File(), tmpl.Bytes()}, file{s.ExampleFile(), example.Bytes()})
	}
	if !force {
		var exist []string
		for _, f := range files {
			if _, err := os.Lstat(filepath.Join(dir, f.name)); err == nil {
				exist = append(exist, f.name)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("check %s: %w", filepath.Join(dir, f.name), err)
			}
		}
		if len(exist) > 0 {
			verb := "exist"
			if len(exist) == 1 {
				verb = "exists"
			}
			return fmt.Errorf("%s already %s in %s; nothing was written (use --force to overwrite)",
				strings.Join(exist, ", "), verb, dir)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeNew(path, flags, f.data); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "wrote %s\n", path)
	}
	return nil
}

func writeNew(path string, flags int, data []byte) error {
	fh, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists (use --force to overwrite)", path)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := fh.Write(data); err != nil {
		fh.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
