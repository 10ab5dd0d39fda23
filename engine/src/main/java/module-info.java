/**
 * Lucid's inference engine. It has no UI or app dependency (an architecture test enforces it).
 */
module lucid.engine {
    requires jdk.incubator.vector;
    requires jdk.management;
    // Chat templates are rendered by Jinjava, an automatic module: it cannot declare what it needs,
    // and on the module path explicit modules are only resolved when someone requires them. So the
    // engine requires, on Jinjava's behalf, the named modules Jinjava uses (found with jdeps).
    // java.desktop is there for java.beans only, which Jinjava's expression language introspects
    // with; no AWT or Swing class is used (ArchitectureTest checks that).
    requires jinjava;
    requires java.desktop;
    requires java.xml;
    requires org.apache.commons.lang3;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jdk8;
    requires com.fasterxml.jackson.dataformat.yaml;

    exports lucid.engine.gguf;
    exports lucid.engine.tensor;
    exports lucid.engine.backend;
    exports lucid.engine.model;
    exports lucid.engine.tokenizer;
    exports lucid.engine.sampling;
    exports lucid.engine.inference;
    exports lucid.engine.lab;
    exports lucid.engine.inspect;
    exports lucid.engine.chat;
    // Jinjava calls the template functions (raise_exception, strftime_now) and filters reflectively.
    exports lucid.engine.chat.jinja to jinjava;

    uses lucid.engine.backend.Backend.Provider;
    provides lucid.engine.backend.Backend.Provider with lucid.engine.backend.cpu.CpuBackend.Provider;
}
