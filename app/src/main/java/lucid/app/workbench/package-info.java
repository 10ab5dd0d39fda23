/**
 * The prompt workbench's model, independent of any view: prompt templates with {@code {{variables}}},
 * suites of prompts, settings and test cases (read and written as promptfoo-style YAML), assertions,
 * and the runner that evaluates a suite against a loaded model. Used by {@code lucid eval} and by the
 * workbench screens.
 */
package lucid.app.workbench;
