package lucid.tests;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The layering rules of DESIGN.md, checked on the compiled classes. */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lucid");

    @Test
    void engineHasNoUiOrAppDependency() {
        noClasses().that().resideInAPackage("lucid.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "lucid.app..", "java.awt..", "javax.swing..")
                .check(CLASSES);
    }

    @Test
    void modelNeverNamesABackendImplementation() {
        noClasses().that().resideInAPackage("lucid.engine.model..")
                .should().dependOnClassesThat().resideInAPackage("lucid.engine.backend.cpu..")
                .check(CLASSES);
    }

    @Test
    void lowerLayersDoNotReachUp() {
        noClasses().that().resideInAnyPackage("lucid.engine.gguf..", "lucid.engine.tensor..")
                .should().dependOnClassesThat().resideInAnyPackage("lucid.engine.model..", "lucid.engine.inference..",
                        "lucid.engine.tokenizer..", "lucid.engine.sampling..", "lucid.engine.lab..")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("lucid.engine.model..", "lucid.engine.tokenizer..", "lucid.engine.sampling..")
                .should().dependOnClassesThat().resideInAnyPackage("lucid.engine.inference..", "lucid.engine.lab..")
                .check(CLASSES);
    }
}
