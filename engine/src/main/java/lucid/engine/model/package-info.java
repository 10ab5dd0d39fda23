/**
 * Model configuration, shared blocks (RMSNorm, RoPE, attention, SwiGLU) and one small mapping per
 * architecture from GGUF tensor names onto those blocks.
 */
package lucid.engine.model;
