// A tiny local container image for tests, built from Debian's busybox-static because the test
// engine has no registry access.

import Docker from "dockerode";
import * as fs from "fs";
import { Readable } from "stream";

import { createTarArchive, TarEntry } from "./tar";

/** Repository and tag of the test image. */
export const TEST_IMAGE_REPOSITORY = "wcn-test/busybox";
export const TEST_IMAGE_TAG = "1";
export const TEST_IMAGE = `${TEST_IMAGE_REPOSITORY}:${TEST_IMAGE_TAG}`;

/** Where Debian's busybox-static package installs the binary. */
export const DEFAULT_BUSYBOX_PATH = "/bin/busybox";

/** Busybox applets linked under /bin in the image, so that commands such as `sleep 60` resolve through PATH. */
export const TEST_IMAGE_APPLETS: readonly string[] = [
    "cat",
    "echo",
    "false",
    "hostname",
    "ifconfig",
    "ip",
    "kill",
    "ls",
    "nc",
    "ping",
    "sh",
    "sleep",
    "true",
];

/**
 * Default command of the image: waits for an hour and exits 0 on SIGTERM. A bare `sleep` as
 * PID 1 ignores SIGTERM, so every stop would wait for the full stop timeout.
 */
export const TEST_IMAGE_COMMAND: readonly string[] = [
    "/bin/sh",
    "-c",
    "trap 'exit 0' TERM INT; sleep 3600 & wait",
];

export interface EnsureTestImageOptions {
    /** Statically linked busybox to copy into the image. Defaults to /bin/busybox. */
    busyboxPath?: string;
}

/**
 * Makes sure the engine has the `wcn-test/busybox:1` image, importing it from a tar stream
 * (POST /images/create?fromSrc=-) when it is missing, and returns the image id.
 *
 * Throws when busybox is missing or not statically linked, or when the engine rejects the import.
 */
export async function ensureTestImage(docker: Docker, options: EnsureTestImageOptions = {}): Promise<string> {
    const existingId = await findImageId(docker, TEST_IMAGE);
    if (existingId !== undefined) {
        return existingId;
    }

    const busyboxPath = options.busyboxPath ?? DEFAULT_BUSYBOX_PATH;
    const busybox = readStaticBusybox(busyboxPath);
    const archive = createTarArchive(
        [
            { type: "directory", name: "bin" },
            { type: "directory", name: "etc" },
            { type: "directory", name: "tmp", mode: 0o1777 },
            { type: "file", name: "bin/busybox", content: busybox, mode: 0o755 },
            ...TEST_IMAGE_APPLETS.map(
                (applet): TarEntry => ({ type: "symlink", name: `bin/${applet}`, target: "busybox" }),
            ),
        ],
        Math.floor(Date.now() / 1000),
    );

    const response = await docker.importImage(Readable.from([archive]), {
        repo: TEST_IMAGE_REPOSITORY,
        tag: TEST_IMAGE_TAG,
        message: `busybox from ${busyboxPath}, imported by the pulumi-wcn test harness`,
        changes: [
            "ENV PATH=/bin",
            `CMD ${JSON.stringify(TEST_IMAGE_COMMAND)}`,
            "LABEL org.opencontainers.image.title=wcn-test-busybox",
        ],
    });
    const progress = await readJsonLines(response);
    const failure = progress.find((message) => typeof message.error === "string");
    if (failure !== undefined) {
        throw new Error(`importing ${TEST_IMAGE} failed: ${String(failure.error)}`);
    }

    const importedId = await findImageId(docker, TEST_IMAGE);
    if (importedId === undefined) {
        throw new Error(
            `importing ${TEST_IMAGE} returned no error, but the engine does not list the image afterwards`,
        );
    }
    return importedId;
}

/** Result of trying to run one short-lived container. */
export interface ContainerStartCheck {
    canRunContainers: boolean;
    /** Engine error when `canRunContainers` is false. */
    reason?: string;
}

/**
 * Creates, starts and waits for a container running `true` from the test image, then removes
 * it. Some machines can create containers but not start them (no cgroup or runc support), so
 * suites that start containers check this first.
 */
export async function checkContainerStart(docker: Docker): Promise<ContainerStartCheck> {
    let container: Docker.Container | undefined;
    try {
        container = await docker.createContainer({
            Image: TEST_IMAGE,
            Cmd: ["true"],
            Labels: { "wcn-test.purpose": "container-start-check" },
            HostConfig: { NetworkMode: "none" },
        });
        await container.start();
        const result = (await container.wait()) as { StatusCode?: number };
        if (result.StatusCode !== 0) {
            return {
                canRunContainers: false,
                reason: `container running "true" exited with status ${result.StatusCode}`,
            };
        }
        return { canRunContainers: true };
    } catch (error) {
        return { canRunContainers: false, reason: error instanceof Error ? error.message : String(error) };
    } finally {
        await container?.remove({ force: true }).catch(() => undefined);
    }
}

async function findImageId(docker: Docker, reference: string): Promise<string | undefined> {
    try {
        const info = await docker.getImage(reference).inspect();
        return info.Id;
    } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) {
            return undefined;
        }
        throw error;
    }
}

function readStaticBusybox(busyboxPath: string): Buffer {
    let content: Buffer;
    try {
        content = fs.readFileSync(busyboxPath);
    } catch (error) {
        throw new Error(
            `cannot build ${TEST_IMAGE}: ${busyboxPath} is missing or unreadable ` +
                `(${(error as NodeJS.ErrnoException).code ?? String(error)}). Install Debian's busybox-static package.`,
        );
    }
    if (hasProgramInterpreter(content)) {
        throw new Error(
            `cannot build ${TEST_IMAGE}: ${busyboxPath} is dynamically linked, so it would not run in an image ` +
                "without a C library. Install Debian's busybox-static package, which replaces busybox.",
        );
    }
    return content;
}

/**
 * Reports whether a 64-bit little-endian ELF executable names a program interpreter (PT_INTERP),
 * that is, whether it is dynamically linked. Returns false for anything else, which then fails
 * later with the engine's own error.
 */
function hasProgramInterpreter(elf: Buffer): boolean {
    const isElf64LittleEndian =
        elf.length >= 64 && elf.readUInt32BE(0) === 0x7f454c46 && elf[4] === 2 && elf[5] === 1;
    if (!isElf64LittleEndian) {
        return false;
    }
    const PT_INTERP = 3;
    const programHeaderOffset = Number(elf.readBigUInt64LE(0x20));
    const programHeaderSize = elf.readUInt16LE(0x36);
    const programHeaderCount = elf.readUInt16LE(0x38);
    for (let index = 0; index < programHeaderCount; index++) {
        const offset = programHeaderOffset + index * programHeaderSize;
        if (offset + 4 > elf.length) {
            return false;
        }
        if (elf.readUInt32LE(offset) === PT_INTERP) {
            return true;
        }
    }
    return false;
}

function readJsonLines(stream: NodeJS.ReadableStream): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => {
        let text = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
            text += chunk;
        });
        stream.on("error", reject);
        stream.on("end", () => {
            try {
                resolve(
                    text
                        .split("\n")
                        .map((line) => line.trim())
                        .filter((line) => line !== "")
                        .map((line) => JSON.parse(line) as Record<string, unknown>),
                );
            } catch (error) {
                reject(new Error(`unexpected import response ${JSON.stringify(text)}: ${String(error)}`));
            }
        });
    });
}
