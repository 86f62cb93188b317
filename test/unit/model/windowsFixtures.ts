import * as fs from "fs";
import * as path from "path";

/** Directory of the real Windows outputs and errors, `test/fixtures/windows` in the repository. */
export const FIXTURE_DIR = path.join(findRepositoryRoot(), "test", "fixtures", "windows");

function findRepositoryRoot(): string {
    let directory = __dirname;
    while (!fs.existsSync(path.join(directory, "package.json"))) {
        const parent = path.dirname(directory);
        if (parent === directory) {
            throw new Error(
                `no package.json above ${__dirname}; run the tests from the repository's dist folder`,
            );
        }
        directory = parent;
    }
    return directory;
}

/** Returns the path of the fixture whose file name starts with the case id, for example `C06a`. */
export function fixturePath(caseId: string): string {
    const matches = fs.readdirSync(FIXTURE_DIR).filter((name) => name.startsWith(`${caseId}-`));
    if (matches.length !== 1) {
        throw new Error(`expected one fixture file for ${caseId} in ${FIXTURE_DIR}, found ${matches.length}`);
    }
    return path.join(FIXTURE_DIR, matches[0]);
}

/** Reads a fixture as posted: the annotation lines (those starting with `#### `) are removed. */
export function readFixture(caseId: string): string {
    return fs
        .readFileSync(fixturePath(caseId), "utf8")
        .split(/\r?\n/)
        .filter((line) => !line.startsWith("#### "))
        .join("\n");
}
