// Local media: the camera and microphone with the design's constraints, and screen capture.

// 640×480 at 24 fps ideally, never above 720p / 30 fps; the browser's voice processing on.
export const CAMERA_CONSTRAINTS = {
  video: {
    width: { ideal: 640, max: 1280 },
    height: { ideal: 480, max: 720 },
    frameRate: { ideal: 24, max: 30 },
  },
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
};

// Screen sharing: at most 1920×1080 at 15 fps, no audio.
export const SCREEN_CONSTRAINTS = {
  video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 15 } },
  audio: false,
};

/** A sentence for the user about a failed getUserMedia / getDisplayMedia. */
export function describeMediaError(err, what = 'camera and microphone') {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was denied. Allow it in the browser's site settings, then rejoin.`;
    case 'NotFoundError':
      return `No ${what} found.`;
    case 'NotReadableError':
      return `The ${what} is in use by another application.`;
    default:
      return `The ${what} could not be opened (${err?.message ?? err}).`;
  }
}

/**
 * Opens the camera and microphone; falls back to the microphone alone, then to nothing (the user still sees and
 * hears the others). Resolves {stream, warning}; warning is a sentence for the user, or null.
 */
export async function openCamera() {
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) return { stream: new MediaStream(), warning: 'This browser cannot capture media here (an https page is needed).' };
  try {
    return { stream: await devices.getUserMedia(CAMERA_CONSTRAINTS), warning: null };
  } catch (err) {
    try {
      const stream = await devices.getUserMedia({ audio: CAMERA_CONSTRAINTS.audio });
      return { stream, warning: describeMediaError(err, 'camera') };
    } catch {
      return { stream: new MediaStream(), warning: describeMediaError(err) };
    }
  }
}

/** Asks the user for a screen, window or tab; resolves its video track, or null if they cancelled. */
export async function openScreen() {
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia(SCREEN_CONSTRAINTS);
    const [track] = stream.getVideoTracks();
    track.contentHint = 'detail'; // favour sharp text over smooth motion
    return track;
  } catch (err) {
    if (err?.name === 'NotAllowedError' || err?.name === 'AbortError') return null; // the user cancelled
    throw err;
  }
}
