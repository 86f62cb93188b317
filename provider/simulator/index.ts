/** The simulated Windows container host: state model, Docker Engine API face and helpers. */
export { startSimulatedEngine, type SimulatedEngine, type SimulatedEngineOptions } from "./engine";
export { ensureSimulatedEngine, closeSimulatedEngines, parseSimUrl, type SimUrl } from "./url";
export * from "./state";
export { seedHostState, ensureHostState, resetHostState } from "./seed";
export * from "./out-of-band";
export { EngineError } from "./errors";
export { getProfile, PROFILE_NAMES, DEFAULT_PROFILE, type HostProfile, type ProfileName } from "./profiles";
