package io.jthin.loopfile;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls FileChannel lacks, through the FFM API (no JNI): {@code open}, {@code close},
 * {@code fallocate} (punch-hole), {@code fstat} (allocated blocks), {@code lseek} (block device
 * size). Each failure carries errno and its text. Linux x86_64/aarch64 with glibc.
 */
final class LibC {
    static final int O_RDWR = 2;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int SEEK_END = 2;
    static final int EOPNOTSUPP = 95;
    /** Bytes to reserve for struct stat (144 on x86_64, 128 on aarch64). */
    static final int STAT_SIZE = 144;
    /** Offset of st_blocks (512-byte units) in struct stat: 64 on x86_64 and on aarch64 (asm-generic). */
    static final long ST_BLOCKS_OFFSET = 64;
    /** Architectures whose struct stat has st_blocks at {@link #ST_BLOCKS_OFFSET}. */
    private static final boolean SUPPORTED_ARCH = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64", "aarch64" -> true;
        default -> false;
    };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2), ERRNO_OPT);
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
    private static final MethodHandle FALLOCATE = handle("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle FSTAT = handle("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS),
            ERRNO_OPT);
    private static final MethodHandle LSEEK = handle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG,
            JAVA_INT), ERRNO_OPT);
    private static final MethodHandle FTRUNCATE = handle("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
            JAVA_LONG), ERRNO_OPT);
    private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LibC() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, options);
    }

    /** An error of a libc call: the call, errno and its text. */
    static final class Errno extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        Errno(String call, int errno) {
            super(call + " failed: " + strerror(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static int open(String path, int flags) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new Errno("open(" + path + ")", errno(state));
            }
            return fd;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open downcall failed", t);
        }
    }

    static void close(int fd) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            if ((int) CLOSE.invokeExact(state, fd) < 0) {
                throw new Errno("close", errno(state));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close downcall failed", t);
        }
    }

    static void punchHole(int fd, long offset, long length) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            int r = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            if (r < 0) {
                throw new Errno("fallocate(PUNCH_HOLE|KEEP_SIZE)", errno(state));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fallocate downcall failed", t);
        }
    }

    /** Sets the file's size (sparse when it grows). */
    static void truncate(int fd, long size) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            if ((int) FTRUNCATE.invokeExact(state, fd, size) < 0) {
                throw new Errno("ftruncate", errno(state));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("ftruncate downcall failed", t);
        }
    }

    /** st_blocks × 512 of an open file. */
    static long allocatedBytes(int fd) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            if ((int) FSTAT.invokeExact(state, fd, st) < 0) {
                throw new Errno("fstat", errno(state));
            }
            if (!SUPPORTED_ARCH) {
                throw new UnsupportedOperationException("allocated size: struct stat layout unknown on "
                        + System.getProperty("os.arch"));
            }
            return st.get(JAVA_LONG, ST_BLOCKS_OFFSET) * 512;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fstat downcall failed", t);
        }
    }

    /** The size of a block device (lseek to its end). */
    static long seekEnd(int fd) throws Errno {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            long r = (long) LSEEK.invokeExact(state, fd, 0L, SEEK_END);
            if (r < 0) {
                throw new Errno("lseek", errno(state));
            }
            return r;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("lseek downcall failed", t);
        }
    }
}
