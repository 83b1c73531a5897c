// Which pods ADD wires under config `podAnnotation`: only those annotated "true", read from
// the annotations the runtime passes as runtimeConfig; a misconfigured gate wires nothing and
// says why, never breaks a pod.
import { describe, expect, it } from 'vitest';
import { POD_ANNOTATIONS_CAPABILITY, selectPod } from '../../src/plugin/pod-selection.js';

const KEY = 'urunc.io/tap';
const withAnnotations = (annotations: unknown) => ({
  runtimeConfig: { [POD_ANNOTATIONS_CAPABILITY]: annotations },
});

describe('selectPod', () => {
  it('selects every pod when no podAnnotation is configured, whatever the runtime passes', () => {
    expect(selectPod(undefined, {})).toEqual({ selected: true });
    expect(selectPod(undefined, withAnnotations('garbage'))).toEqual({ selected: true });
  });

  it("reads containerd's runtimeConfig key", () => {
    expect(POD_ANNOTATIONS_CAPABILITY).toBe('io.kubernetes.cri.pod-annotations');
  });

  it('selects a pod whose annotation is exactly "true"', () => {
    expect(selectPod(KEY, withAnnotations({ [KEY]: 'true', other: 'x' }))).toEqual({
      selected: true,
    });
  });

  it.each(['false', 'True', 'TRUE', '1', 'yes', '', ' true'])(
    'does not select a pod annotated %j, silently (a runc pod)',
    (value) => {
      expect(selectPod(KEY, withAnnotations({ [KEY]: value }))).toEqual({
        selected: false,
        reason: 'annotation urunc.io/tap is not "true"',
      });
    },
  );

  it('does not select a pod without the annotation, silently', () => {
    expect(selectPod(KEY, withAnnotations({ 'other.io/x': 'true' }))).toEqual({
      selected: false,
      reason: 'annotation urunc.io/tap is not "true"',
    });
  });

  it.each([
    ['no runtimeConfig', {}],
    ['runtimeConfig without annotations', { runtimeConfig: { portMappings: [] } }],
    ['runtimeConfig that is not an object', { runtimeConfig: 'x' }],
    ['runtimeConfig null', { runtimeConfig: null }],
  ])('selects nothing with %s, warning how to fix the conflist', (_, raw) => {
    expect(selectPod(KEY, raw)).toEqual({
      selected: false,
      reason: 'the runtime passed no pod annotations, so urunc.io/tap cannot be read',
      warning:
        'podAnnotation is set but the runtime passed no pod annotations: add "capabilities": {"io.kubernetes.cri.pod-annotations": true} to urunc-tap\'s entry of the conflist (containerd passes them then); no pod is wired until it does',
    });
  });

  it.each([['a string'], [['true']], [null], [42]])(
    'selects nothing when the annotations are malformed (%j), with a warning',
    (annotations) => {
      expect(selectPod(KEY, withAnnotations(annotations))).toEqual({
        selected: false,
        reason: 'the pod annotations are malformed',
        warning:
          'runtimeConfig["io.kubernetes.cri.pod-annotations"] is not an object of strings; the pod is not wired',
      });
    },
  );

  it.each([[true], [1], [{ value: 'true' }], [null]])(
    'selects nothing when the annotation is not a string (%j), with a warning',
    (value) => {
      expect(selectPod(KEY, withAnnotations({ [KEY]: value }))).toEqual({
        selected: false,
        reason: 'annotation urunc.io/tap is not a string',
        warning: `pod annotation urunc.io/tap is ${JSON.stringify(value)}, not a string; the pod is not wired`,
      });
    },
  );
});
