package lucid.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: its metadata, its tensor table, and its tensor data memory-mapped in place.
 *
 * <p>Layout (GGUF v2 and v3, all integers little-endian):
 * <pre>
 *  1. magic           4 bytes, "GGUF"
 *  2. version         uint32 (2 or 3; version 1 used 32-bit counts and is refused)
 *  3. tensor_count    uint64
 *  4. metadata_kv_count uint64
 *  5. metadata_kv     metadata_kv_count × { key: gguf_string, value_type: uint32, value }
 *                     gguf_string = uint64 length + UTF-8 bytes (no terminator)
 *                     array value = element_type uint32 + count uint64 + count values
 *  6. tensor_infos    tensor_count × { name: gguf_string, n_dims: uint32, ne: uint64[n_dims],
 *                                      type: uint32 (GgmlType id), offset: uint64 }
 *  7. padding         to a multiple of general.alignment (default 32)
 *  8. tensor_data     each tensor at data_start + offset; every offset a multiple of the alignment
 * </pre>
 *
 * <p>This object owns one {@link Arena} and the one mapping made in it; {@link #close()} unmaps the
 * file, after which tensor segments handed out must not be used. The arena is shared because
 * several threads read weights at once.
 */
public final class GgufFile implements AutoCloseable {

    /** Alignment of the data section when general.alignment is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final int alignment;
    private final long dataOffset;
    private final long fileSize;
    private final Arena arena;
    private final MemorySegment mapping;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufParser.Header header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = header.version();
        this.metadata = header.metadata();
        this.tensors = List.copyOf(header.tensors());
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.alignment = header.alignment();
        this.dataOffset = header.dataOffset();
        this.fileSize = mapping.byteSize();
    }

    /**
     * Opens and validates {@code path}. Tensor data is mapped, not read.
     *
     * @throws GgufFormatException when the file is not a valid GGUF v2/v3 file (the message names
     *                             the file and the problem)
     * @throws IOException         when the file cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "file not found");
        }
        if (Files.isDirectory(path)) {
            throw new GgufFormatException(path, "is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapping = size == 0
                    ? MemorySegment.ofArray(new byte[0])
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GgufParser.Header header = new GgufParser(path, mapping).parse();
            return new GgufFile(path, arena, mapping, header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** The tensor table in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    public int alignment() {
        return alignment;
    }

    /** File offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return fileSize;
    }

    /**
     * The bytes of one tensor, a slice of the mapping (valid until {@link #close()}; reading it after
     * that throws {@link IllegalStateException}).
     *
     * @throws IllegalStateException when this file is closed
     */
    public MemorySegment tensorData(GgufTensorInfo info) {
        if (!isOpen()) {
            throw new IllegalStateException(path.getFileName() + " is closed");
        }
        return mapping.asSlice(dataOffset + info.offset(), info.byteSize());
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path.getFileName() + ", v" + version + ", " + metadata.size() + " keys, "
                + tensors.size() + " tensors]";
    }
}
