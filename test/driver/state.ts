// The driver's state file: JSON written atomically (temporary file, then rename). Secret values are stored the
// way a Pulumi checkpoint stores them, `{ [SIG_KEY]: SECRET_SIG, ciphertext }`, encrypted with AES-256-GCM under a
// random key kept next to the state file in `<statePath>.key` (mode 0600).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

import { isObject, isSecret, SECRET_SIG, SIG_KEY } from "./properties";
import { PropertyMap, PropertyValue, ResourceState, StackState } from "./types";

const CIPHER = "aes-256-gcm";

export class StateStore {
    private key: Buffer | undefined;

    constructor(public readonly statePath: string) {}

    get keyPath(): string {
        return `${this.statePath}.key`;
    }

    /** Reads the state file, or returns undefined when it does not exist yet. */
    load(): StackState | undefined {
        if (!fs.existsSync(this.statePath)) {
            return undefined;
        }
        const parsed = JSON.parse(fs.readFileSync(this.statePath, "utf8")) as StackState;
        if (parsed.version !== 1 || !Array.isArray(parsed.resources)) {
            throw new Error(`state file ${this.statePath} is not a version 1 driver state file`);
        }
        return this.mapSecrets(parsed, (value) => this.decrypt(value));
    }

    save(state: StackState): void {
        const encrypted = this.mapSecrets(state, (value) => this.encrypt(value));
        const text = `${JSON.stringify(encrypted, null, 2)}\n`;
        const temporaryPath = `${this.statePath}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
        fs.mkdirSync(path.dirname(this.statePath), { recursive: true });
        fs.writeFileSync(temporaryPath, text, { mode: 0o600 });
        fs.renameSync(temporaryPath, this.statePath);
    }

    private mapSecrets(state: StackState, transform: (secret: PropertyMap) => PropertyMap): StackState {
        const mapResource = (resource: ResourceState): ResourceState => ({
            ...resource,
            inputs: mapSecretsIn(resource.inputs, transform),
            outputs: mapSecretsIn(resource.outputs, transform),
        });
        return {
            ...state,
            resources: state.resources.map(mapResource),
            outputs: mapSecretsIn(state.outputs ?? {}, transform),
        };
    }

    private encrypt(secret: PropertyMap): PropertyMap {
        const iv = crypto.randomBytes(12);
        const cipher = crypto.createCipheriv(CIPHER, this.loadKey(true), iv);
        const plaintext = JSON.stringify(secret.value ?? null);
        const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
        const ciphertext = [iv, cipher.getAuthTag(), data].map((part) => part.toString("base64")).join(":");
        return { [SIG_KEY]: SECRET_SIG, ciphertext };
    }

    private decrypt(secret: PropertyMap): PropertyMap {
        if (typeof secret.ciphertext !== "string") {
            return secret;
        }
        const [iv, tag, data] = secret.ciphertext.split(":").map((part) => Buffer.from(part, "base64"));
        const decipher = crypto.createDecipheriv(CIPHER, this.loadKey(false), iv);
        decipher.setAuthTag(tag);
        const plaintext = Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
        return { [SIG_KEY]: SECRET_SIG, value: JSON.parse(plaintext) as PropertyValue };
    }

    private loadKey(createIfMissing: boolean): Buffer {
        if (this.key !== undefined) {
            return this.key;
        }
        if (fs.existsSync(this.keyPath)) {
            this.key = Buffer.from(fs.readFileSync(this.keyPath, "utf8").trim(), "base64");
        } else if (createIfMissing) {
            this.key = crypto.randomBytes(32);
            fs.mkdirSync(path.dirname(this.keyPath), { recursive: true });
            fs.writeFileSync(this.keyPath, `${this.key.toString("base64")}\n`, { mode: 0o600 });
        } else {
            throw new Error(
                `cannot decrypt the secrets in ${this.statePath}: key file ${this.keyPath} is missing; ` +
                    "restore it or delete the state file together with the objects it tracks",
            );
        }
        return this.key;
    }
}

function mapSecretsIn(map: PropertyMap, transform: (secret: PropertyMap) => PropertyMap): PropertyMap {
    const result: PropertyMap = {};
    for (const [key, value] of Object.entries(map)) {
        result[key] = mapSecretValue(value, transform);
    }
    return result;
}

function mapSecretValue(
    value: PropertyValue,
    transform: (secret: PropertyMap) => PropertyMap,
): PropertyValue {
    if (isSecret(value)) {
        return transform(value);
    }
    if (Array.isArray(value)) {
        return value.map((item) => mapSecretValue(item, transform));
    }
    return isObject(value) ? mapSecretsIn(value, transform) : value;
}

export function emptyState(project: string, stack: string): StackState {
    return { version: 1, stack, project, resources: [], outputs: {} };
}
