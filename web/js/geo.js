// The device's position for "Share location" (issue #24): one navigator.geolocation lookup (the
// browser asks for permission the first time), as {lat, lon, accuracy}, or an Error whose message
// says why not (denied, unavailable, timed out, no API here). `geo` is injectable for node tests.

import { geoErrorText, locationFromPosition } from './files.js';

const TIMEOUT_MS = 15000;
const MAX_AGE_MS = 60000;

/** Resolves with the position as a message's location; rejects with an Error for the user (`code` 0–3). */
export function currentLocation(geo = globalThis.navigator?.geolocation) {
  return new Promise((resolve, reject) => {
    const fail = (err) => {
      const e = new Error(geoErrorText(err));
      e.code = err?.code ?? 0;
      reject(e);
    };
    if (!geo || typeof geo.getCurrentPosition !== 'function') { fail(null); return; }
    try {
      geo.getCurrentPosition(
        (pos) => {
          const loc = locationFromPosition(pos);
          if (!Number.isFinite(loc.lat) || !Number.isFinite(loc.lon)) fail({ code: 2 });
          else resolve(loc);
        },
        fail,
        { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: MAX_AGE_MS },
      );
    } catch {
      fail(null);
    }
  });
}
