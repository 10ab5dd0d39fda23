/**
 * GGUF files: reading (memory-mapped, one owner closes the mapping), metadata, tensor infos, writing.
 * Bottom layer of the engine: it knows bytes and layouts, nothing about models.
 */
package lucid.engine.gguf;
