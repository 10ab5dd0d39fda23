/**
 * CPU backend: Vector API kernels spread across cores.
 */
package lucid.engine.backend.cpu;
