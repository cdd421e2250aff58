package outfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Perm is the permission of new result files before the umask.
const Perm os.FileMode = 0o644

// maxLinks bounds a chain of symbolic links, as the kernel's ELOOP does.
const maxLinks = 40

// destination is where Write puts data: a file to replace or create, or a
// file to write through.
type destination struct {
	path    string
	info    os.FileInfo // of the file to replace; nil for a new file
	through bool
	// truncate: a regular file written through (it has hard links),
	// truncated as the shell's > does.
	truncate bool
}

// locate finds the destination of path. The kernel decides what path is
// (os.Stat follows every link, /proc's included); only for a regular file
// or a new one does locate follow the links itself, to replace the file at
// the end of the chain rather than the link. A chain through /proc or
// /dev/fd (/dev/stdout) is written through: it names an open descriptor.
func locate(path string) (destination, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return destination{}, err
	case err != nil || fi.Mode().IsRegular():
		// Nothing there, or a regular file: follow the links below.
	case fi.IsDir():
		return destination{}, fmt.Errorf("%s is a directory; name a file", path)
	case fi.Mode()&os.ModeSocket != 0:
		return destination{}, fmt.Errorf("%s is a socket; name a file, device or FIFO", path)
	default:
		return destination{path: path, through: true}, nil
	}
	target, descriptor, err := followLinks(path)
	if err != nil {
		return destination{}, err
	}
	if fi == nil {
		return destination{path: target}, nil
	}
	// An existing file the user may not write is refused, as the shell's
	// redirection refuses it, though the directory would let a rename
	// replace it.
	if err := syscall.Access(path, 2 /* W_OK */); err != nil {
		return destination{}, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case descriptor:
		return destination{path: path, through: true}, nil
	case linkCount(fi) > 1:
		// Replacing the file would split its hard links: the other names
		// would keep the old content.
		return destination{path: target, through: true, truncate: true}, nil
	}
	return destination{path: target, info: fi}, nil
}

// linkCount is the number of hard links of a file, 1 where the system
// does not tell.
func linkCount(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// followLinks follows the symbolic links of path's last element and
// returns the final path, and whether the chain passed through /proc or
// /dev/fd.
func followLinks(path string) (string, bool, error) {
	descriptor := false
	for range maxLinks {
		descriptor = descriptor || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/dev/fd/")
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&os.ModeSymlink == 0 {
			return path, descriptor, nil
		}
		if err != nil {
			return "", false, err
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", false, err
		}
		if !filepath.IsAbs(target) {
			// Not filepath.Join: cleaning "dir/../x" lexically is wrong
			// when dir is itself a link.
			target = filepath.Dir(path) + string(filepath.Separator) + target
		}
		path = target
	}
	return "", false, fmt.Errorf("%s: more than %d symbolic links", path, maxLinks)
}

// Check reports whether Write can write path: the directory of a new or
// regular file must exist and accept new files; a device or FIFO must be
// writable; a directory or socket is refused. The error names path.
func Check(path string) error {
	d, err := locate(path)
	if err != nil {
		return err
	}
	if d.through {
		if err := syscall.Access(d.path, 2 /* W_OK */); err != nil {
			return fmt.Errorf("%s: not writable: %w", path, err)
		}
		return nil
	}
	if err := probe(filepath.Dir(d.path)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// CheckDir reports whether files can be written into dir, which may not
// exist yet: its nearest existing ancestor must be a directory that accepts
// new files.
func CheckDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		if (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) && filepath.Dir(d) != d {
			d = filepath.Dir(d)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s: %s is not a directory", dir, d)
		}
		if err := probe(d); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		return nil
	}
}

// probe checks that dir is a directory in which a file can be created.
func probe(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := createTemp(dir, "probe", 0o600)
	if err != nil {
		return fmt.Errorf("cannot create files in directory %s: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// createTemp creates a new file ".<base>.<random>.tmp" in dir with mode
// perm filtered by the umask.
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

// Write writes data to path: atomically for a new or regular file (new
// files get perm under the umask, replaced ones keep their mode), through
// for a device or FIFO. Opening a FIFO waits for a reader until ctx ends.
func Write(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	d, err := locate(path)
	if err != nil {
		return err
	}
	if d.through {
		flag := os.O_WRONLY
		if d.truncate {
			flag |= os.O_TRUNC
		}
		return writeThrough(ctx, d.path, data, flag)
	}
	return replace(d.path, data, perm, d.info)
}

// replace writes data to a temporary file beside path and renames it over
// path. old is path's FileInfo, nil for a new file.
func replace(path string, data []byte, perm os.FileMode, old os.FileInfo) (err error) {
	f, err := createTemp(filepath.Dir(path), filepath.Base(path), perm)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if old != nil {
		if err := f.Chmod(old.Mode().Perm()); err != nil {
			return err
		}
		// Keep the owner where the process may (root, or its own
		// groups); a user replacing another's file in a shared directory
		// becomes its owner, as with any editor's save.
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			f.Chown(int(st.Uid), int(st.Gid))
		}
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// writeThrough opens an existing device, FIFO or file with flag and writes
// data into it.
// A FIFO's open blocks until a reader opens it; when ctx ends first, the
// function opens the FIFO for reading itself to release the open, and
// returns ctx's error.
func writeThrough(ctx context.Context, path string, data []byte, flag int) error {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, flag, 0)
		ch <- opened{f, err}
	}()
	var o opened
	select {
	case o = <-ch:
	case <-ctx.Done():
		// Only a FIFO's open is released this way; another device's
		// blocked open is left to the process's exit.
		if r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			if o = <-ch; o.f != nil {
				o.f.Close()
			}
			r.Close()
		}
		return fmt.Errorf("%s: %w", path, ctx.Err())
	}
	if o.err != nil {
		return o.err
	}
	// A reader that stops reading would block the write: end it with ctx
	// (only pollable files such as FIFOs take a deadline).
	stop := context.AfterFunc(ctx, func() { o.f.SetWriteDeadline(time.Now()) })
	_, err := o.f.Write(data)
	stop()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s: %w", path, ctx.Err())
	}
	return err
}
