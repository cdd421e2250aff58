package outfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mknod creates a character device major:minor at path, or skips the test
// when the process may not (only root may).
func mknod(t *testing.T, path string, major, minor int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("creating device nodes needs root")
	}
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, major<<8|minor); err != nil {
		t.Skipf("mknod: %v", err)
	}
}

// readOnlyDir returns a directory in which the process cannot create files:
// a 0555 directory, or for root, who ignores the bits, /sys (sysfs refuses
// new files to everyone).
func readOnlyDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dir := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	if f, err := os.CreateTemp("/sys", "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("running as root with a writable /sys: no directory refuses root")
	}
	return "/sys"
}

func isCharDevice(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a character device: %v", path, fi.Mode())
	}
}

// TestWrite writes to every kind of destination and checks what the
// destination is afterwards.
func TestWrite(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	data := []byte("result\n")
	cases := []struct {
		name string
		// setup prepares the directory and returns the path to write.
		setup func(t *testing.T, dir string) string
		// check runs Check; write runs Write: each wants an error
		// containing the text, or success when empty.
		check, write string
		// after inspects the directory when Write succeeded.
		after func(t *testing.T, dir string)
	}{
		{name: "new file", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "out.txt") },
			after: func(t *testing.T, dir string) { wantFile(t, filepath.Join(dir, "out.txt"), data, 0o640) }},
		{name: "regular file keeps its mode", setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "out.txt")
			writeFile(t, path, "old content that is longer\n", 0o604)
			return path
		}, after: func(t *testing.T, dir string) { wantFile(t, filepath.Join(dir, "out.txt"), data, 0o604) }},
		{name: "missing directory", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "out.txt") },
			check: "directory " + "%DIR%/no does not exist", write: "no such file or directory"},
		{name: "parent is a file", setup: func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "f"), "x", 0o644)
			return filepath.Join(dir, "f", "out.txt")
		}, check: "not a directory", write: "not a directory"},
		{name: "directory", setup: func(t *testing.T, dir string) string { return dir },
			check: "is a directory", write: "is a directory"},
		{name: "read-only directory", setup: func(t *testing.T, dir string) string { return filepath.Join(readOnlyDir(t), "out.txt") },
			check: "cannot create files in directory", write: "out.txt"},
		{name: "socket", setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "sock")
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Skip(err)
			}
			t.Cleanup(func() { l.Close() })
			return path
		}, check: "is a socket", write: "is a socket"},
		{name: "symlink chain to a file", setup: func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "sub", "target.txt"), "old\n", 0o600)
			symlink(t, "sub/target.txt", filepath.Join(dir, "link2"))
			symlink(t, "link2", filepath.Join(dir, "link1"))
			return filepath.Join(dir, "link1")
		}, after: func(t *testing.T, dir string) {
			wantFile(t, filepath.Join(dir, "sub", "target.txt"), data, 0o600)
			for _, l := range []string{"link1", "link2"} {
				if fi, err := os.Lstat(filepath.Join(dir, l)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symlink: %v", l, err)
				}
			}
		}},
		{name: "dangling symlink creates its target", setup: func(t *testing.T, dir string) string {
			symlink(t, "new.txt", filepath.Join(dir, "link"))
			return filepath.Join(dir, "link")
		}, after: func(t *testing.T, dir string) { wantFile(t, filepath.Join(dir, "new.txt"), data, 0o640) }},
		{name: "symlink loop", setup: func(t *testing.T, dir string) string {
			symlink(t, "b", filepath.Join(dir, "a"))
			symlink(t, "a", filepath.Join(dir, "b"))
			return filepath.Join(dir, "a")
		}, check: "symbolic links", write: "symbolic links"},
		{name: "null device", setup: func(t *testing.T, dir string) string {
			mknod(t, filepath.Join(dir, "null"), 1, 3)
			return filepath.Join(dir, "null")
		}, after: func(t *testing.T, dir string) { isCharDevice(t, filepath.Join(dir, "null")) }},
		{name: "full device", setup: func(t *testing.T, dir string) string {
			mknod(t, filepath.Join(dir, "full"), 1, 7)
			return filepath.Join(dir, "full")
		}, write: "no space left on device", after: func(t *testing.T, dir string) { isCharDevice(t, filepath.Join(dir, "full")) }},
		{name: "hard link written through", setup: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "out.txt")
			writeFile(t, path, "old content that is longer\n", 0o604)
			if err := os.Link(path, filepath.Join(dir, "other name")); err != nil {
				t.Skip(err)
			}
			return path
		}, after: func(t *testing.T, dir string) {
			wantFile(t, filepath.Join(dir, "out.txt"), data, 0o604)
			wantFile(t, filepath.Join(dir, "other name"), data, 0o604)
		}},
		{name: "symlink to a device", setup: func(t *testing.T, dir string) string {
			mknod(t, filepath.Join(dir, "null"), 1, 3)
			symlink(t, "null", filepath.Join(dir, "link"))
			return filepath.Join(dir, "link")
		}, after: func(t *testing.T, dir string) { isCharDevice(t, filepath.Join(dir, "null")) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := c.setup(t, dir)
			wantErr(t, "Check", Check(path), strings.ReplaceAll(c.check, "%DIR%", dir))
			err := Write(context.Background(), path, data, Perm)
			wantErr(t, "Write", err, c.write)
			if c.after != nil {
				c.after(t, dir)
			}
			if err == nil || c.after != nil {
				noTempFiles(t, dir)
			}
		})
	}
}

// TestWriteFIFO writes through a FIFO to a reader, and gives up on a FIFO
// without one when the context ends.
func TestWriteFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := Check(fifo); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if err := Write(context.Background(), fifo, []byte("through the pipe\n"), Perm); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "through the pipe\n" {
		t.Errorf("reader got %q", s)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Write(ctx, fifo, []byte("nobody reads\n"), Perm); !errors.Is(err, context.Canceled) {
		t.Errorf("FIFO without reader, canceled context: %v", err)
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a FIFO: %v", fifo, err)
	}
	noTempFiles(t, dir)
}

// TestWriteDescriptor writes through /dev/fd/N and a link to
// /proc/self/fd/N (what /dev/stdout is) when N is a pipe, instead of
// looking for a directory to create a file in.
func TestWriteDescriptor(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	dir := t.TempDir()
	for _, name := range []string{"/dev/fd/%d", "link"} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf(name, w.Fd())
		if name == "link" {
			path = filepath.Join(dir, "stdout")
			os.Remove(path)
			symlink(t, fmt.Sprintf("/proc/self/fd/%d", w.Fd()), path)
		}
		if err := Check(path); err != nil {
			t.Errorf("Check(%s): %v", path, err)
		}
		if err := Write(context.Background(), path, []byte("piped\n"), Perm); err != nil {
			t.Errorf("Write(%s): %v", path, err)
		}
		w.Close()
		if got, _ := io.ReadAll(r); string(got) != "piped\n" {
			t.Errorf("%s: the pipe got %q", path, got)
		}
		r.Close()
	}
	noTempFiles(t, dir)
}

// TestCheckDir checks directories that are to hold several outputs.
func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x", 0o644)
	cases := []struct {
		dir, err string
	}{
		{dir, ""},
		{filepath.Join(dir, "new", "deeper"), ""},
		{file, "is not a directory"},
		{filepath.Join(file, "sub"), "is not a directory"},
	}
	for _, c := range cases {
		wantErr(t, c.dir, CheckDir(c.dir), c.err)
	}
	t.Run("read-only", func(t *testing.T) {
		wantErr(t, "read-only", CheckDir(filepath.Join(readOnlyDir(t), "new")), "cannot create files")
	})
	noTempFiles(t, dir)
}

func wantErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: error %v, want %q", what, err, want)
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func wantFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != mode {
		t.Errorf("%s: mode %v, want a regular file with %v", path, fi.Mode(), mode)
	}
	if got, _ := os.ReadFile(path); string(got) != string(data) {
		t.Errorf("%s holds %q, want %q", path, got, data)
	}
}

// noTempFiles fails when a temporary file of Write or Check is left in dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".tmp") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

// TestUnwritableFileRefused checks that an existing regular file the user
// may not write (mode 0444) is refused by Check and Write, as the shell's
// redirection refuses it, and stays as it was, though its directory would
// let a rename replace it. Root may write any file, as its shell may: as
// root, the test runs itself again as the user nobody.
func TestUnwritableFileRefused(t *testing.T) {
	if os.Geteuid() == 0 {
		runAsNobody(t)
		return
	}
	path := filepath.Join(t.TempDir(), "keep.txt")
	writeFile(t, path, "keep\n", 0o444)
	wantErr(t, "Check", Check(path), "keep.txt: permission denied")
	wantErr(t, "Write", Write(context.Background(), path, []byte("result\n"), Perm), "keep.txt: permission denied")
	wantFile(t, path, []byte("keep\n"), 0o444)
}

// runAsNobody runs the test t in a copy of the test binary as the user and
// group 65534 (nobody), with a temporary directory that user may write,
// and fails t when that run fails or does not run the test.
func runAsNobody(t *testing.T) {
	dir, err := os.MkdirTemp("", "outfile-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(os.Chmod(dir, 0o755), os.Chmod(tmp, 0o1777)); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "outfile.test")
	if err := os.WriteFile(bin, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EACCES) {
		t.Skipf("cannot run the test binary as nobody: %v", err)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Errorf("as nobody: %v\n%s", err, out)
	}
}
