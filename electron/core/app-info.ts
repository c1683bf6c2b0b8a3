/** Recorded in every capture context and bundle manifest. Keep in step with package.json. */
export const APP_NAME = 'Vigil';
export const APP_VERSION = '0.1.0';
