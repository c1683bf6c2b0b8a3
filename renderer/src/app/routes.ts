/** Hash routes keep the app a single static page (app:// and the HTTP bridge serve the same build). */
export type Route =
  | Readonly<{ name: 'dashboard' }>
  | Readonly<{ name: 'intake' }>
  | Readonly<{ name: 'queue' }>
  | Readonly<{ name: 'resources' }>
  | Readonly<{ name: 'resource'; id: string }>
  | Readonly<{ name: 'review-list' }>
  | Readonly<{ name: 'review'; id: string }>
  | Readonly<{ name: 'export' }>
  | Readonly<{ name: 'audit' }>
  | Readonly<{ name: 'settings' }>
  | Readonly<{ name: 'stats' }>
  | Readonly<{ name: 'search'; q: string }>;

const ID = /^[a-z]+_[0-9a-z]{10,40}$/;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter((p) => p !== '');
  const [head, id] = parts;
  switch (head) {
    case 'intake':
      return { name: 'intake' };
    case 'queue':
      return { name: 'queue' };
    case 'resources':
      return id !== undefined && ID.test(id) ? { name: 'resource', id } : { name: 'resources' };
    case 'review':
      return id !== undefined && ID.test(id) ? { name: 'review', id } : { name: 'review-list' };
    case 'export':
      return { name: 'export' };
    case 'audit':
      return { name: 'audit' };
    case 'settings':
      return { name: 'settings' };
    case 'stats':
      return { name: 'stats' };
    case 'search':
      return { name: 'search', q: new URLSearchParams(query).get('q') ?? '' };
    case 'dashboard':
    case undefined:
    default:
      return { name: 'dashboard' };
  }
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'dashboard':
      return '#/dashboard';
    case 'intake':
      return '#/intake';
    case 'queue':
      return '#/queue';
    case 'resources':
      return '#/resources';
    case 'resource':
      return `#/resources/${route.id}`;
    case 'review-list':
      return '#/review';
    case 'review':
      return `#/review/${route.id}`;
    case 'export':
      return '#/export';
    case 'audit':
      return '#/audit';
    case 'settings':
      return '#/settings';
    case 'stats':
      return '#/stats';
    case 'search':
      return route.q === '' ? '#/search' : `#/search?${new URLSearchParams({ q: route.q }).toString()}`;
  }
}
