/**
 * Backend SPI: the kernels model blocks call (matrix-vector products, ...), found by ServiceLoader.
 * The model never names a backend.
 */
package lucid.engine.backend;
