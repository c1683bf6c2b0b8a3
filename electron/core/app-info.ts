/** Recorded in every capture context and bundle manifest. Keep in step with package.json. */
export const APP_NAME = 'Vigil';
export const APP_VERSION = '0.1.0';

/** The commit the app was built from (build-commit.ts finds it). */
export type BuildCommit = Readonly<{ commit: string; source: 'embedded' | 'git' | 'unknown' }>;
