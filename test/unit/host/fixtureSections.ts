import * as fs from "fs";
import { fixturePath } from "../model/windowsFixtures";

/**
 * Splits a fixture into the pieces between its annotation lines (those starting with `#### `),
 * dropping empty pieces, so that a test can read one posted output at a time. Index 0 is the
 * first piece of posted text.
 */
export function readFixtureSections(caseId: string): string[] {
    const sections: string[][] = [[]];
    for (const line of fs.readFileSync(fixturePath(caseId), "utf8").split(/\r?\n/)) {
        if (line.startsWith("#### ")) {
            sections.push([]);
        } else {
            sections[sections.length - 1].push(line);
        }
    }
    return sections.map((lines) => lines.join("\n")).filter((text) => text.trim() !== "");
}

/** Returns the one line of a fixture that contains `needle`, as posted; fails when there is not exactly one. */
export function fixtureLine(caseId: string, needle: string): string {
    const lines = fs
        .readFileSync(fixturePath(caseId), "utf8")
        .split(/\r?\n/)
        .filter((line) => !line.startsWith("#### ") && line.includes(needle));
    if (lines.length !== 1) {
        throw new Error(
            `expected one line with ${JSON.stringify(needle)} in ${caseId}, found ${lines.length}`,
        );
    }
    return lines[0];
}
