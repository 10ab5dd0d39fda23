/**
 * Lucid's inference engine. It has no UI or app dependency (an architecture test enforces it).
 */
module lucid.engine {
    requires jdk.incubator.vector;
    requires jdk.management;

    exports lucid.engine.gguf;
    exports lucid.engine.tensor;
    exports lucid.engine.backend;
    exports lucid.engine.model;
    exports lucid.engine.tokenizer;
    exports lucid.engine.sampling;
    exports lucid.engine.inference;
    exports lucid.engine.lab;
    exports lucid.engine.inspect;

    uses lucid.engine.backend.Backend.Provider;
    provides lucid.engine.backend.Backend.Provider with lucid.engine.backend.cpu.CpuBackend.Provider;
}
