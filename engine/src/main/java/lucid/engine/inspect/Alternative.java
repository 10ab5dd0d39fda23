package lucid.engine.inspect;

/** A candidate next token and its probability. */
public record Alternative(int id, String piece, double prob) {
}
