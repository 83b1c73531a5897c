// Which pods get a tap: all, or (config `podAnnotation`) those annotated for it.

/** The runtimeConfig key containerd (and recent CRI-O) fill with the pod's annotations. */
export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

/** Whether ADD wires this pod, and why not when it does not. */
export type Selection = { selected: true } | { selected: false; reason: string; warning?: string };

/**
 * On a Kubernetes node a conflist applies to every pod, and wiring a pod whose runtime never
 * opens the tap (a runc pod) black-holes it. With `podAnnotation` set, only pods whose
 * annotation of that name is "true" are wired, read from the annotations the runtime passes
 * as runtimeConfig (the conflist entry declares the capability). When the runtime passes none,
 * or passes them malformed, nothing is wired and a warning says so: a misconfigured gate must
 * never break every pod of a node.
 */
export function selectPod(
  podAnnotation: string | undefined,
  rawConfig: Record<string, unknown>,
): Selection {
  if (podAnnotation === undefined) return { selected: true };
  const runtimeConfig = rawConfig.runtimeConfig;
  const annotations =
    typeof runtimeConfig === 'object' && runtimeConfig !== null
      ? (runtimeConfig as Record<string, unknown>)[POD_ANNOTATIONS_CAPABILITY]
      : undefined;
  if (annotations === undefined) {
    return {
      selected: false,
      reason: `the runtime passed no pod annotations, so ${podAnnotation} cannot be read`,
      warning: `podAnnotation is set but the runtime passed no pod annotations: add "capabilities": {"${POD_ANNOTATIONS_CAPABILITY}": true} to urunc-tap's entry of the conflist (containerd passes them then); no pod is wired until it does`,
    };
  }
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    return {
      selected: false,
      reason: 'the pod annotations are malformed',
      warning: `runtimeConfig["${POD_ANNOTATIONS_CAPABILITY}"] is not an object of strings; the pod is not wired`,
    };
  }
  const value = (annotations as Record<string, unknown>)[podAnnotation];
  if (value !== undefined && typeof value !== 'string') {
    return {
      selected: false,
      reason: `annotation ${podAnnotation} is not a string`,
      warning: `pod annotation ${podAnnotation} is ${JSON.stringify(value)}, not a string; the pod is not wired`,
    };
  }
  if (value === 'true') return { selected: true };
  return { selected: false, reason: `annotation ${podAnnotation} is not "true"` };
}
