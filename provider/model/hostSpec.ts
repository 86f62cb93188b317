import type { HostSpec } from "../host/spec";
import { FailureList } from "./failures";
import { parseSimUrl } from "../simulator/url";
import { containsUnknown } from "./unknown";

const DOCKER_SCHEMES = ["tcp:", "ssh:", "npipe:", "unix:", "sim:"];

/** Adds a failure for every problem in a host specification, under the property path `host`. */
export function validateHostSpec(host: unknown, failures: FailureList): void {
    if (containsUnknown(host)) {
        return;
    }
    if (host === null || typeof host !== "object") {
        failures.add(
            "host",
            "is required: give the host's name and its Docker endpoint, { name, docker: { url } }",
        );
        return;
    }
    const spec = host as Partial<HostSpec>;
    if (typeof spec.name !== "string" || spec.name.trim() === "") {
        failures.add("host.name", 'is required: a display name for the host, for example "web-01"');
    }
    if (spec.docker === null || typeof spec.docker !== "object") {
        failures.add(
            "host.docker",
            'is required: the host\'s Docker endpoint, for example { url: "tcp://web-01:2376" }',
        );
        return;
    }
    validateDockerEndpoint(spec.docker, failures);
}

function validateDockerEndpoint(docker: NonNullable<HostSpec["docker"]>, failures: FailureList): void {
    const url = docker.url;
    const scheme = typeof url === "string" ? /^[a-z]+:/.exec(url)?.[0] : undefined;
    if (typeof url !== "string" || scheme === undefined || !DOCKER_SCHEMES.includes(scheme)) {
        failures.add(
            "host.docker.url",
            `${JSON.stringify(url)} is not a Docker endpoint; use tcp://HOST:2376, ssh://USER@HOST, ` +
                "npipe:////./pipe/docker_engine, unix:///PATH or sim:///PATH/host.json",
        );
        return;
    }
    if (scheme === "sim:") {
        validateSimUrl(url, failures);
    }
    if (docker.apiVersion !== undefined && !/^v?1\.\d{1,2}$/.test(docker.apiVersion)) {
        failures.add(
            "host.docker.apiVersion",
            `${JSON.stringify(docker.apiVersion)} is not a Docker API version; use the form "1.40"`,
        );
    }
    if (docker.timeoutMs !== undefined && !(Number.isInteger(docker.timeoutMs) && docker.timeoutMs > 0)) {
        failures.add(
            "host.docker.timeoutMs",
            `${JSON.stringify(docker.timeoutMs)} is not a positive whole number of milliseconds`,
        );
    }
    if (scheme === "tcp:") {
        validateTls(docker, failures);
    }
    if (scheme === "ssh:" && docker.ssh?.keyFile === undefined && docker.ssh?.keyConfigKey === undefined) {
        failures.add(
            "host.docker.ssh",
            "is required for ssh:// endpoints: name the private key with ssh.keyFile or ssh.keyConfigKey",
        );
    }
}

function validateTls(docker: NonNullable<HostSpec["docker"]>, failures: FailureList): void {
    const tls = docker.tls ?? {};
    if (tls.disabled) {
        return;
    }
    const hasCert = tls.certFile !== undefined || tls.certConfigKey !== undefined;
    const hasKey = tls.keyFile !== undefined || tls.keyConfigKey !== undefined;
    if (!hasCert || !hasKey) {
        failures.add(
            "host.docker.tls",
            "needs a client certificate and key for tcp:// endpoints (certFile or certConfigKey, and keyFile or keyConfigKey). " +
                "To speak plain HTTP to an isolated lab engine, set tls.disabled to true",
        );
    }
    const hasCa = tls.caFile !== undefined || tls.caConfigKey !== undefined;
    if (!hasCa && !tls.insecureSkipVerify) {
        failures.add(
            "host.docker.tls",
            "needs the CA that signed the engine's certificate (caFile or caConfigKey), so the engine's identity is verified",
        );
    }
}

function validateSimUrl(url: string, failures: FailureList): void {
    try {
        parseSimUrl(url);
    } catch (error) {
        failures.add(
            "host.docker.url",
            `${(error as Error).message}; for example sim:./.wcn/host.json?profile=ws2022`,
        );
    }
}
