package lucid.engine.gguf;

import java.util.Arrays;

import lucid.engine.tensor.GgmlType;

/**
 * One entry of a GGUF file's tensor table.
 *
 * @param name       the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param dims       sizes in GGUF order: {@code dims[0]} (ne0) is the fastest-varying, i.e. the
 *                   input dimension of a weight matrix
 * @param type       element type of this tensor (each tensor has its own; never trust general.file_type)
 * @param offset     byte offset of the data from the start of the file's data section
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                && type == t.type && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset;
    }
}
