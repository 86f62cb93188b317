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
    /** The host setting that names the material, for example `host.docker.tls.key`. */
    readonly setting: string;

    constructor(setting: string, message: string) {
        super(message);
        this.name = "MaterialError";
        this.setting = setting;
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
                `${property} names the stack configuration key "${configKey}", which is not set. ` +
                    `Set it with: pulumi config set --secret ${configKey} "$(cat FILE)"`,
            );
        }
        return Buffer.from(value, "utf8");
    }
    if (file !== undefined) {
        const property = `${setting}File`;
        try {
            return fs.readFileSync(file);
        } catch (error) {
            const reason = (error as NodeJS.ErrnoException).code ?? String(error);
            throw new MaterialError(
                property,
                `${property} names the file ${file}, which cannot be read (${reason})`,
            );
        }
    }
    return undefined;
}
