/**
 * Chat templates: the Jinja template a chat model ships in {@code tokenizer.chat_template},
 * rendered the way Hugging Face's {@code apply_chat_template} renders it, so that the prompt is
 * the text the model was trained on. Built-in templates stand in when a model has none or a broken
 * one. Rendering runs on Jinjava (through {@code chat.jinja}, which adds the Python-isms Hugging
 * Face templates use); this package sits beside the tokenizer and below inference.
 */
package lucid.engine.chat;
