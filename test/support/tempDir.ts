import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Creates a temporary folder that is removed when the test process exits. */
export function makeTempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}
