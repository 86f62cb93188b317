import * as fs from "fs";

/** Reads stack configuration values; the dynamic provider's configure step supplies it. */
export interface ConfigReader {
    get(key: string): string | undefined;
}

let providerConfig: ConfigReader = { get: () => undefined };

/**
 * Stores the stack configuration the provider process was configured with. Secrets named by
 * `*ConfigKey` host settings are read from it at the moment they are needed, so they never sit in
 * resource inputs, outputs or the serialized provider.
 */
export function setProviderConfig(config: ConfigReader): void {
    providerConfig = config;
}

/** Raised when key or certificate material named by a host setting cannot be read. */
export class MaterialError extends Error {
    /** The property that names the material, for example `host.docker.tls.keyFile`. */
    readonly setting: string;
    /** Problem and fix, without the property name. */
    readonly reason: string;

    constructor(setting: string, reason: string) {
        super(`${setting} ${reason}`);
        this.name = "MaterialError";
        this.setting = setting;
        this.reason = reason;
    }
}

/**
 * Reads PEM material named either by a file path or by a stack configuration key. `setting` is the
 * path of the pair without its suffix, for example `host.docker.tls.key` for `keyFile` and
 * `keyConfigKey`. The message on failure names the property and the path or key, never the content.
 */
export function readMaterial(
    setting: string,
    file: string | undefined,
    configKey: string | undefined,
): Buffer | undefined {
    if (configKey !== undefined) {
        const property = `${setting}ConfigKey`;
        const value = providerConfig.get(configKey);
        if (value === undefined || value === "") {
            throw new MaterialError(
                property,
                `names the stack configuration key "${configKey}", which is not set. ` +
                    `Set it with: pulumi config set --secret ${configKey} "$(cat FILE)"`,
            );
        }
        return requirePem(property, `the stack configuration key "${configKey}"`, Buffer.from(value, "utf8"));
    }
    if (file !== undefined) {
        const property = `${setting}File`;
        let content: Buffer;
        try {
            content = fs.readFileSync(file);
        } catch (error) {
            const reason = (error as NodeJS.ErrnoException).code ?? String(error);
            throw new MaterialError(property, `names the file ${file}, which cannot be read (${reason})`);
        }
        return requirePem(property, `the file ${file}`, content);
    }
    return undefined;
}

/** Checks that material is PEM text, so that a wrong value fails here and not as a TLS error. */
function requirePem(property: string, source: string, content: Buffer): Buffer {
    if (!content.toString("utf8").includes("-----BEGIN ")) {
        throw new MaterialError(
            property,
            `names ${source}, which does not contain PEM data (no "-----BEGIN" line); give the PEM text of the certificate or key`,
        );
    }
    return content;
}

/**
 * Reads a secret such as a password from the stack configuration key that the host property
 * `property` names. The message on failure names the property and the key, never a value.
 */
export function readSecret(property: string, configKey: string): string {
    const value = providerConfig.get(configKey);
    if (value === undefined || value === "") {
        throw new MaterialError(
            property,
            `names the stack configuration key "${configKey}", which is not set. ` +
                `Set it with: pulumi config set --secret ${configKey} <value>`,
        );
    }
    return value;
}
