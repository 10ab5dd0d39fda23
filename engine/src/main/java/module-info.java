/**
 * Lucid's inference engine. It has no UI or app dependency (an architecture test enforces it).
 */
module lucid.engine {
    requires jdk.incubator.vector;
    requires jdk.management;
    // Chat templates are rendered by Jinjava (an automatic module). Its expression language reads
    // properties through java.beans, which lives in java.desktop: that is the only reason for it here
    // (no AWT or Swing class is used; ArchitectureTest checks that).
    requires jinjava;
    requires java.desktop;

    exports lucid.engine.gguf;
    exports lucid.engine.tensor;
    exports lucid.engine.backend;
    exports lucid.engine.model;
    exports lucid.engine.tokenizer;
    exports lucid.engine.sampling;
    exports lucid.engine.inference;
    exports lucid.engine.lab;
    exports lucid.engine.chat;
    // Jinjava calls the template functions (raise_exception, strftime_now) and filters reflectively.
    exports lucid.engine.chat.jinja to jinjava;

    uses lucid.engine.backend.Backend.Provider;
    provides lucid.engine.backend.Backend.Provider with lucid.engine.backend.cpu.CpuBackend.Provider;
}
