/**
 * Real pictures for the face models' tests, from Debian's `python3-skimage` (installed by
 * tests/setup.ts): `astronaut.png` (Eileen Collins, smiling at the camera, 512x512) and
 * `coffee.png` (a cup of coffee on a table: no face).
 */
const SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data";

export const FACE_IMAGE = `${SKIMAGE_DATA}/astronaut.png`;
export const COFFEE = `${SKIMAGE_DATA}/coffee.png`;
