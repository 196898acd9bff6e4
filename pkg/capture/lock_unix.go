//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// tryLock takes an exclusive flock on f without waiting. held says another
// process has it, and pid names that process when /proc/locks does (Linux).
func tryLock(f *os.File) (held bool, pid int, err error) {
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case err == nil:
		return false, 0, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, lockHolder(f), nil
	case errors.Is(err, syscall.ENOLCK), errors.Is(err, syscall.ENOTSUP), errors.Is(err, syscall.EOPNOTSUPP):
		return false, 0, nil // a file system without locks (some network mounts): no warning to give
	}
	return false, 0, err
}

// lockHolder finds the process holding a FLOCK on f's inode in
// /proc/locks ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"), or 0.
func lockHolder(f *os.File) int {
	info, err := f.Stat()
	if err != nil {
		return 0
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0 // not Linux
	}
	defer locks.Close()
	// Linux's dev_t encoding, as /proc/locks prints it: major:minor:inode.
	dev := uint64(st.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	id := fmt.Sprintf("%02x:%02x:%d", major, minor, uint64(st.Ino))
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// A waiting lock's line has "->" after the number.
		if len(fields) < 6 || fields[1] != "FLOCK" {
			continue
		}
		if fields[5] == id {
			if pid, err := strconv.Atoi(fields[4]); err == nil && pid > 0 {
				return pid
			}
		}
	}
	return 0
}
