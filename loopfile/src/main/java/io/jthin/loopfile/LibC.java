package io.jthin.loopfile;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The glibc functions FileChannel lacks, bound with FFM: {@code open}, {@code close},
 * {@code fallocate}, {@code ftruncate}, {@code fstat}, {@code lseek}, {@code pread}/{@code pwrite}
 * (for {@code O_DIRECT} descriptors, see {@link DirectFile}), {@code fcntl} for open file
 * description locks, and errno's name and text.
 *
 * <p>Owns: the downcall handles, the Linux flag values and the {@code struct stat} and
 * {@code struct flock} offsets (no other class names them). {@code st_blocks} is at byte 64 both in x86_64's {@code struct stat}
 * (144 bytes) and in asm-generic's, which aarch64 uses (128 bytes); no other architecture is
 * accepted. Only x86_64 is exercised by the tests here.
 *
 * <p>Every call that can fail captures {@code errno} at the call and throws an
 * {@link ErrnoException} naming the function; {@code EINTR} is retried.
 *
 * <p>Invariant: a handle is used only after {@link Platform#isSupported()} returned true (each is looked up
 * when its holder class initialises, on first use); {@link NativeFile} guards that.
 * Thread-safety: stateless and thread-safe; each call uses its own confined arena.
 */
final class LibC {
    /** {@code open} flags (Linux, all mainstream architectures). */
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    /** {@code O_DIRECT}: 040000 on x86_64, 0200000 on aarch64 (asm-generic differs; only these two are accepted). */
    static final int O_DIRECT = Platform.isX86_64() ? 0x4000 : 0x10000;

    /** {@code fallocate} mode: {@code FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE}. */
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;

    /** {@code EINTR}: the call was interrupted by a signal and is retried. */
    static final int EINTR = 4;

    /** {@code lseek} whence: the end of the file (for a block device, its size). */
    static final int SEEK_END = 2;
    /** {@code lseek} whence: the next offset holding data (Linux 3.1+); {@code ENXIO} when there is none. */
    static final int SEEK_DATA = 3;
    /** {@code ENXIO}: {@code SEEK_DATA} found no data at or after the offset. */
    static final int ENXIO = 6;

    /** {@code EAGAIN} / {@code EACCES}: a conflicting lock is held (fcntl may answer either). */
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    /** {@code EINVAL}: among others, the kernel does not know the command (OFD locks need Linux 3.15). */
    static final int EINVAL = 22;

    /**
     * {@code fcntl} command {@code F_OFD_SETLK} (Linux 3.15+, all architectures): take or release a
     * record lock owned by the open file description, not by the process, without waiting. Such a
     * lock is released only when the last descriptor of that description closes — not when any
     * descriptor of the file closes, as a classic POSIX lock is — and it conflicts with every other
     * description's locks, the same process's included, and with classic POSIX locks.
     */
    static final int F_OFD_SETLK = 37;
    /** {@code l_type} values of {@code struct flock}. */
    static final int F_RDLCK = 0;
    static final int F_WRLCK = 1;
    /** {@code l_whence}: {@code l_start} counts from the start of the file. */
    static final short SEEK_SET = 0;

    /**
     * {@code struct flock}, the same on x86_64 and in asm-generic (aarch64); {@code l_len} 0 means
     * "to the end of the file, however it grows"; {@code l_pid} must be 0 for OFD locks.
     * <pre>
     * | offset | size | field    |
     * |      0 |    2 | l_type   |
     * |      2 |    2 | l_whence |
     * |      8 |    8 | l_start  |
     * |     16 |    8 | l_len    |
     * |     24 |    4 | l_pid    |
     * (32 bytes, 8-aligned)
     * </pre>
     */
    static final long FLOCK_SIZE = 32;
    static final long FLOCK_L_TYPE_OFFSET = 0;
    static final long FLOCK_L_WHENCE_OFFSET = 2;
    static final long FLOCK_L_START_OFFSET = 8;
    static final long FLOCK_L_LEN_OFFSET = 16;
    static final long FLOCK_L_PID_OFFSET = 24;

    /** Bytes reserved for {@code struct stat}: 144 on x86_64, 128 on aarch64. */
    static final long STAT_SIZE = 144;
    /** {@code st_blocks}, an i64, at byte 64 on x86_64 and aarch64. */
    static final long STAT_ST_BLOCKS_OFFSET = 64;
    /** {@code st_blocks} counts 512-byte units whatever the file system's block size. */
    static final long STAT_BLOCK_UNIT_BYTES = 512;
    /** {@code _STAT_VER} for the {@code __fxstat} fallback on glibc older than 2.33: 1 on x86_64, 0 on aarch64. */
    private static final int STAT_VER = Platform.isX86_64() ? 1 : 0;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // Each downcall handle is built on first use (a holder class per function): linking one costs
    // milliseconds of method-handle spinning, and a short-lived command (check, dump, snapshot) needs
    // only open and close.
    private static final class Open {
        static final MethodHandle H = errnoHandle("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    private static final class Close {
        static final MethodHandle H = errnoHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Fcntl {
        static final MethodHandle H = errnoHandle("fcntl",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    }

    private static final class Fallocate {
        static final MethodHandle H = errnoHandle("fallocate",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    private static final class Lseek {
        static final MethodHandle H =
                errnoHandle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class Ftruncate {
        static final MethodHandle H = errnoHandle("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    }

    /** {@code fstat} is a real symbol since glibc 2.33; before, only {@code __fxstat(ver, fd, buf)}. */
    private static final class Fstat {
        static final MethodHandle FSTAT = optionalErrnoHandle("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle FXSTAT = FSTAT != null ? null : errnoHandle("__fxstat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class Pread {
        static final MethodHandle H = errnoHandle("pread",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class Pwrite {
        static final MethodHandle H = errnoHandle("pwrite",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class Strerror {
        static final MethodHandle STRERROR = plainHandle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        /** glibc 2.32+: "EOPNOTSUPP" for 95; absent on older libcs (then the name is omitted). */
        static final MethodHandle STRERRORNAME_NP =
                plainHandle("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private LibC() {}

    /**
     * The platform test, apart from LibC so that asking it does not initialise LibC: its static
     * state (the native linker, the errno layout and VarHandle) costs a short command tens of
     * milliseconds of method-handle spinning, wasted when the answer leads to no libc call.
     */
    static final class Platform {
        private Platform() {}

        /** True on Linux x86_64 and aarch64, the platforms whose {@code struct stat} layout is coded here. */
        static boolean isSupported() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            return os.startsWith("linux") && (isX86_64() || arch().equals("aarch64"));
        }

        static boolean isX86_64() {
            return arch().equals("amd64") || arch().equals("x86_64");
        }

        private static String arch() {
            return System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        }
    }

    /** {@code open(path, flags, 0)}; returns the new descriptor. */
    static int open(String path, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd = (int) Open.H.invokeExact(state, cPath, flags, 0);
                if (fd >= 0) {
                    return fd;
                }
                checkRetry("open", state);
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open downcall", t);
        }
    }

    /** {@code close(fd)}; not retried on EINTR (Linux frees the descriptor anyway). */
    static void close(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) Close.H.invokeExact(state, fd);
            if (rc != 0) {
                throw errnoException("close", errno(state));
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("close downcall", t);
        }
    }

    /**
     * {@code fcntl(fd, F_OFD_SETLK, ...)} on the whole file, shared ({@code F_RDLCK}) or exclusive
     * ({@code F_WRLCK}): true when taken, false when another holder's lock conflicts. It lasts until
     * the last descriptor of {@code fd}'s open file description closes.
     *
     * @throws ErrnoException for any other failure; errno {@link #EINVAL} where the kernel has no OFD locks
     */
    static boolean ofdLockWholeFile(int fd, boolean exclusive) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment flock = arena.allocate(FLOCK_SIZE, 8); // the whole file: l_start 0, l_len 0 (to the end); l_pid must be 0
            flock.set(JAVA_SHORT, FLOCK_L_TYPE_OFFSET, (short) (exclusive ? F_WRLCK : F_RDLCK));
            flock.set(JAVA_SHORT, FLOCK_L_WHENCE_OFFSET, SEEK_SET);
            flock.set(JAVA_LONG, FLOCK_L_START_OFFSET, 0L);
            flock.set(JAVA_LONG, FLOCK_L_LEN_OFFSET, 0L);
            flock.set(JAVA_INT, FLOCK_L_PID_OFFSET, 0);
            while ((int) Fcntl.H.invokeExact(state, fd, F_OFD_SETLK, flock) != 0) {
                int errno = errno(state);
                if (errno == EAGAIN || errno == EACCES) {
                    return false;
                }
                if (errno != EINTR) {
                    throw errnoException("fcntl(F_OFD_SETLK)", errno);
                }
            }
            return true;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fcntl downcall", t);
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}. */
    static void fallocate(int fd, int mode, long offsetBytes, long lengthBytes) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while ((int) Fallocate.H.invokeExact(state, fd, mode, offsetBytes, lengthBytes) != 0) {
                checkRetry("fallocate", state);
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fallocate downcall", t);
        }
    }

    /** {@code ftruncate(fd, length)}: shrinks, or grows sparsely (the new range is a hole). */
    static void ftruncate(int fd, long lengthBytes) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            while ((int) Ftruncate.H.invokeExact(state, fd, lengthBytes) != 0) {
                checkRetry("ftruncate", state);
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ftruncate downcall", t);
        }
    }

    /** A segment to pass as {@code state} to {@link #pread} and {@link #pwrite}: one per thread, reused. */
    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /**
     * {@code pread(fd, buf, count, offset)} until {@code count} bytes are read or end of file;
     * returns the bytes read (fewer only at end of file). {@code state} is from {@link #newCallState}.
     */
    static long pread(MemorySegment state, int fd, MemorySegment buf, long count, long offsetBytes) throws ErrnoException {
        long done = 0;
        try {
            while (done < count) {
                MemorySegment at = done == 0 ? buf : buf.asSlice(done);
                long n = (long) Pread.H.invokeExact(state, fd, at, count - done, offsetBytes + done);
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    checkRetry("pread", state);
                    continue;
                }
                done += n;
            }
            return done;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pread downcall", t);
        }
    }

    /** {@code pwrite(fd, buf, count, offset)} until all {@code count} bytes are written. */
    static void pwrite(MemorySegment state, int fd, MemorySegment buf, long count, long offsetBytes) throws ErrnoException {
        long done = 0;
        try {
            while (done < count) {
                MemorySegment at = done == 0 ? buf : buf.asSlice(done);
                long n = (long) Pwrite.H.invokeExact(state, fd, at, count - done, offsetBytes + done);
                if (n < 0) {
                    checkRetry("pwrite", state);
                    continue;
                }
                done += n;
            }
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("pwrite downcall", t);
        }
    }

    /**
     * {@code lseek(fd, offset, SEEK_DATA)}: the first offset at or after {@code offsetBytes} that holds
     * data, or −1 when there is none before the end of the file. File systems without hole tracking
     * report every offset as data (the safe answer).
     */
    static long seekData(int fd, long offsetBytes) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long at = (long) Lseek.H.invokeExact(state, fd, offsetBytes, SEEK_DATA);
            if (at < 0) {
                int errno = errno(state);
                if (errno == ENXIO) {
                    return -1;
                }
                throw errnoException("lseek(SEEK_DATA)", errno);
            }
            return at;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("lseek downcall", t);
        }
    }

    /** {@code lseek(fd, 0, SEEK_END)}: the size of a file or a block device (moves fd's offset only). */
    static long seekEnd(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long end = (long) Lseek.H.invokeExact(state, fd, 0L, SEEK_END);
            if (end < 0) {
                throw errnoException("lseek", errno(state));
            }
            return end;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("lseek downcall", t);
        }
    }

    /** {@code fstat(fd).st_blocks × 512}: the bytes the file really occupies. */
    static long allocatedBytes(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = fstat(arena, fd);
            return stat.get(JAVA_LONG, STAT_ST_BLOCKS_OFFSET) * STAT_BLOCK_UNIT_BYTES;
        }
    }

    private static MemorySegment fstat(Arena arena, int fd) throws ErrnoException {
        MemorySegment state = arena.allocate(CALL_STATE);
        MemorySegment stat = arena.allocate(STAT_SIZE, 8);
        try {
            while ((Fstat.FSTAT != null ? (int) Fstat.FSTAT.invokeExact(state, fd, stat)
                    : (int) Fstat.FXSTAT.invokeExact(state, STAT_VER, fd, stat)) != 0) {
                checkRetry("fstat", state);
            }
            return stat;
        } catch (ErrnoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("fstat downcall", t);
        }
    }

    private static void checkRetry(String function, MemorySegment state) throws ErrnoException {
        int errno = errno(state);
        if (errno != EINTR) {
            throw errnoException(function, errno);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static ErrnoException errnoException(String function, int errno) {
        return new ErrnoException(function, errno, cString(Strerror.STRERRORNAME_NP, errno), cString(Strerror.STRERROR, errno));
    }

    /** Calls a {@code const char *f(int)} and copies the result; null if absent or NULL. */
    @SuppressWarnings("restricted") // reinterpret: libc's strerror strings are NUL-terminated and static
    private static String cString(MethodHandle function, int errno) {
        if (function == null) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) function.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MethodHandle h = optionalErrnoHandle(name, fd, extra);
        if (h == null) {
            throw new UnsupportedOperationException("libc has no " + name + "; jthin needs glibc on Linux x86_64 or aarch64");
        }
        return h;
    }

    @SuppressWarnings("restricted") // downcalls into libc are this class's whole job
    private static MethodHandle optionalErrnoHandle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        System.arraycopy(extra, 0, options, 0, extra.length);
        options[extra.length] = Linker.Option.captureCallState("errno");
        Optional<MemorySegment> symbol = LINKER.defaultLookup().find(name);
        return symbol.map(s -> LINKER.downcallHandle(s, fd, options)).orElse(null);
    }

    @SuppressWarnings("restricted") // as above
    private static MethodHandle plainHandle(String name, FunctionDescriptor fd) {
        return LINKER.defaultLookup().find(name).map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
    }
}
