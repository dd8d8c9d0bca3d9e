package bleveindex

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"github.com/chronik-stream/chronik/ports/textindex"
)

// Bounds of Unpack.
const (
	// MaxPackedFiles bounds the files of a packed index.
	MaxPackedFiles = 10_000
	// MaxPackedBytes bounds the bytes of a packed index's files.
	MaxPackedBytes = 64 << 30
)

const (
	paxSum   = "CHRONIK.sha256"
	paxCount = "CHRONIK.files"
	endName  = "END"
)

// Pack writes a copy of the index (bleve's online copy of its current
// snapshot) to w as a tar stream: index_meta.json and store/*, each
// with its SHA-256 in a PAX record, then an END entry with the number
// of files.
func (ix *Index) Pack(ctx context.Context, w io.Writer) error {
	if err := ix.begin(); err != nil {
		return err
	}
	defer ix.end()
	cp, ok := ix.idx.(bleve.IndexCopyable)
	if !ok {
		return errors.New("text index: this index cannot be copied")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(ix.dir), ".pack-*")
	if err != nil {
		return fmt.Errorf("text index: packing: %w", unwrapPath(err))
	}
	defer os.RemoveAll(tmp)
	if err := cp.CopyTo(bleve.FileSystemDirectory(tmp)); err != nil {
		return fmt.Errorf("text index: copying the index: %w", unwrapPath(err))
	}
	tw := tar.NewWriter(w)
	files := 0
	err = filepath.WalkDir(tmp, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(tmp, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o700})
		}
		sum, size, err := hashFile(path)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o600, Size: size,
			PAXRecords: map[string]string{paxSum: sum}, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(tw, f, size); err != nil {
			return err
		}
		files++
		return nil
	})
	if err != nil {
		return fmt.Errorf("text index: packing: %w", unwrapPath(err))
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: endName, Mode: 0o600,
		PAXRecords: map[string]string{paxCount: strconv.Itoa(files)}, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("text index: packing: %w", unwrapPath(err))
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("text index: packing: %w", unwrapPath(err))
	}
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// validName accepts the paths a packed index holds: index_meta.json,
// store, and plain file names under store.
func validName(name string, dir bool) bool {
	name = strings.TrimSuffix(name, "/")
	if dir {
		return name == "store"
	}
	if name == "index_meta.json" {
		return true
	}
	rest, ok := strings.CutPrefix(name, "store/")
	if !ok || rest == "" || len(rest) > 255 || rest == "." || rest == ".." {
		return false
	}
	for _, c := range rest {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Unpack writes the index Pack wrote into dir (empty or absent),
// checking every name, size and checksum: a stream that is damaged,
// truncated or holds anything else gives ErrCorrupt and leaves dir as
// it was.
func (s *Store) Unpack(ctx context.Context, r io.Reader, dir string) error {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return fmt.Errorf("%w: the directory to unpack into is not empty", textindex.ErrInvalid)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
	}
	tmp, err := os.MkdirTemp(parent, ".unpack-*")
	if err != nil {
		return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := unpackTo(ctx, r, tmp); err != nil {
		return err
	}
	os.Remove(dir) // an empty directory
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
	}
	done = true
	return nil
}

func unpackTo(ctx context.Context, r io.Reader, dir string) error {
	corrupt := func(what string) error { return fmt.Errorf("%w: packed index %s", textindex.ErrCorrupt, what) }
	tr := tar.NewReader(r)
	files, total := 0, int64(0)
	seen := map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return corrupt("ends before its END entry")
		}
		if err != nil {
			return corrupt("is not a valid tar stream")
		}
		if hdr.Name == endName && hdr.Typeflag == tar.TypeReg {
			if n, err := strconv.Atoi(hdr.PAXRecords[paxCount]); err != nil || n != files || hdr.Size != 0 {
				return corrupt("lacks files")
			}
			if _, err := tr.Next(); err != io.EOF {
				return corrupt("has data after its END entry")
			}
			if !seen["index_meta.json"] || !seen["store/root.bolt"] {
				return corrupt("lacks its metadata")
			}
			return nil
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if !validName(hdr.Name, true) {
				return corrupt("holds an unexpected directory")
			}
			if err := os.MkdirAll(filepath.Join(dir, "store"), 0o700); err != nil {
				return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
			}
			continue
		case tar.TypeReg:
		default:
			return corrupt("holds an entry that is not a file")
		}
		if !validName(hdr.Name, false) || seen[hdr.Name] {
			return corrupt("holds an unexpected file name")
		}
		seen[hdr.Name] = true
		files++
		total += hdr.Size
		if files > MaxPackedFiles || hdr.Size < 0 || total > MaxPackedBytes {
			return corrupt("is larger than allowed")
		}
		want := hdr.PAXRecords[paxSum]
		if len(want) != 64 {
			return corrupt("lacks a checksum")
		}
		path := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(tr, hdr.Size))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil || n != hdr.Size {
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				var pe *os.PathError
				if errors.As(err, &pe) {
					return fmt.Errorf("text index: unpacking: %w", unwrapPath(err))
				}
			}
			return corrupt("is truncated")
		}
		if hex.EncodeToString(h.Sum(nil)) != want {
			return corrupt("fails its checksum")
		}
	}
}
