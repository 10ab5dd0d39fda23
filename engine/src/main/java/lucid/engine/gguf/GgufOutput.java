package lucid.engine.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * The byte sink under {@link GgufWriter}: little-endian primitives into one reused buffer, flushed to
 * a channel in large writes. It counts every byte so that padding can be computed from the position,
 * and when it is given a file it turns long runs of zeros into holes (a seek instead of a write), so
 * a file with gigabytes of zero weights costs no disk and no time. Holes are only for files the
 * writer opened itself: in a channel opened for APPEND a seek would be ignored and the zeros lost.
 *
 * <p>It does not own the channel: whoever opened it closes it.
 */
final class GgufOutput {

    private static final int BUFFER_BYTES = 1 << 20;
    /** Zero runs at least this long are skipped over in files; shorter ones are cheaper to write. */
    private static final long HOLE_THRESHOLD = 1 << 16;

    private final WritableByteChannel channel;
    private final FileChannel file; // the same channel when holes may be left in it, else null
    private final long fileStart;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    /** An output that writes every byte, zeros included. */
    GgufOutput(WritableByteChannel channel) {
        this.channel = channel;
        this.file = null;
        this.fileStart = 0;
    }

    /** An output that leaves holes for long runs of zeros in {@code file}, from its current position. */
    GgufOutput(FileChannel file) throws IOException {
        this.channel = file;
        this.file = file;
        this.fileStart = file.position();
    }

    /** Bytes written (or skipped) so far. */
    long position() {
        return position;
    }

    void u8(int v) throws IOException {
        room(1);
        buffer.put((byte) v);
        position += 1;
    }

    void u16(int v) throws IOException {
        room(2);
        buffer.putShort((short) v);
        position += 2;
    }

    void u32(int v) throws IOException {
        room(4);
        buffer.putInt(v);
        position += 4;
    }

    void u64(long v) throws IOException {
        room(8);
        buffer.putLong(v);
        position += 8;
    }

    void f32(float v) throws IOException {
        room(4);
        buffer.putFloat(v);
        position += 4;
    }

    void f64(double v) throws IOException {
        room(8);
        buffer.putDouble(v);
        position += 8;
    }

    /** A gguf_string: uint64 length, then the bytes. */
    void string(byte[] utf8) throws IOException {
        u64(utf8.length);
        bytes(utf8, 0, utf8.length);
    }

    void bytes(byte[] b, int off, int len) throws IOException {
        if (len >= BUFFER_BYTES) {
            flush();
            drain(ByteBuffer.wrap(b, off, len));
        } else {
            room(len);
            buffer.put(b, off, len);
        }
        position += len;
    }

    void segment(MemorySegment segment) throws IOException {
        long size = segment.byteSize();
        if (size >= BUFFER_BYTES && segment.isNative()) {
            // Large native segments (mapped weights) go straight to the channel, 1 GiB at a time since
            // a ByteBuffer view cannot exceed 2 GiB.
            flush();
            for (long off = 0; off < size; off += 1L << 30) {
                drain(segment.asSlice(off, Math.min(1L << 30, size - off)).asByteBuffer());
            }
        } else {
            // Heap segments over float[] and the like have no ByteBuffer view: copy through the buffer.
            for (long off = 0; off < size; ) {
                if (!buffer.hasRemaining()) {
                    flush();
                }
                int step = (int) Math.min(size - off, buffer.remaining());
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, off, buffer.array(), buffer.position(), step);
                buffer.position(buffer.position() + step);
                off += step;
            }
        }
        position += size;
    }

    /** {@code n} zero bytes, as a hole when the target is a file and the run is long. */
    void zeros(long n) throws IOException {
        if (file != null && n >= HOLE_THRESHOLD) {
            flush();
            file.position(file.position() + n);
            position += n;
            return;
        }
        for (long left = n; left > 0; ) {
            if (!buffer.hasRemaining()) {
                flush();
            }
            int step = (int) Math.min(left, buffer.remaining());
            Arrays.fill(buffer.array(), buffer.position(), buffer.position() + step, (byte) 0);
            buffer.position(buffer.position() + step);
            position += step;
            left -= step;
        }
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    void pad(int alignment) throws IOException {
        long rem = position % alignment;
        if (rem != 0) {
            zeros(alignment - rem);
        }
    }

    /** A stream view for callers that produce bytes themselves; closing it does nothing. */
    OutputStream asStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                u8(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                GgufOutput.this.bytes(b, off, len);
            }
        };
    }

    /**
     * Writes out what is buffered. A file that ends in a hole is given its last byte explicitly,
     * since seeking past the end alone does not make a file longer.
     */
    void finish() throws IOException {
        flush();
        if (file != null && file.size() < fileStart + position) {
            file.position(fileStart + position - 1);
            drain(ByteBuffer.wrap(new byte[1]));
        }
    }

    private void room(int n) throws IOException {
        if (buffer.remaining() < n) {
            flush();
        }
    }

    private void flush() throws IOException {
        buffer.flip();
        drain(buffer);
        buffer.clear();
    }

    private void drain(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }
}
