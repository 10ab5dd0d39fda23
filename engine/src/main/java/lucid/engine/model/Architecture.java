package lucid.engine.model;

import lucid.engine.gguf.GgufFile;

/**
 * Maps one {@code general.architecture}'s tensor names and metadata onto the shared blocks.
 */
public interface Architecture {

    /** The value of {@code general.architecture} this mapping reads. */
    String name();

    /** Reads the hyperparameters; {@code vocabSize} comes from the tokenizer. */
    ModelConfig config(GgufFile file, int vocabSize);

    /**
     * Builds the model over the file's mapped tensors: no weights are copied unless {@code repacked}
     * is enabled, which then holds the matrices' copies.
     */
    Transformer build(GgufFile file, ModelConfig config, RepackedWeights repacked);
}
