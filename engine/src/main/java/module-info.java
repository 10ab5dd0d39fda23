/**
 * Lucid's inference engine. It has no UI or app dependency (an architecture test enforces it).
 */
module lucid.engine {
    requires jdk.incubator.vector;

    exports lucid.engine.gguf;
    exports lucid.engine.tensor;
    exports lucid.engine.backend;
    exports lucid.engine.tokenizer;

    uses lucid.engine.backend.Backend.Provider;
    provides lucid.engine.backend.Backend.Provider with lucid.engine.backend.cpu.CpuBackend.Provider;
}
