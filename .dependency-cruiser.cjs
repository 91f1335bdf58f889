/**
 * Layer rules, checked in CI (`npm run lint:deps`). A service's `domain/` holds its rules and
 * talks to the world only through interfaces it declares; see docs/architecture.md.
 */
const SERVICE = '^(user-service|product-service|order-service|service-registry)/src/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ never imports routes/, data-access/, clients/ (it declares the interfaces they implement)',
      severity: 'error',
      from: { path: `${SERVICE}domain/` },
      to: { path: `${SERVICE}(routes|data-access|clients)/` },
    },
    {
      name: 'domain-without-frameworks',
      comment: 'domain/ never imports express or mongoose (nor the shared http or mongo entry points that wrap them)',
      severity: 'error',
      from: { path: `${SERVICE}domain/` },
      to: { path: ['node_modules/(express|mongoose|mongodb)/', '^shared/(src|dist)/(http|mongo)/'] },
    },
    {
      name: 'routes-not-to-data-access',
      comment: 'routes/ call use cases; only data-access/ touches the database',
      severity: 'error',
      from: { path: `${SERVICE}routes/` },
      to: { path: `${SERVICE}data-access/` },
    },
    {
      name: 'no-service-imports-another',
      comment: 'services talk over HTTP, never by importing each other',
      severity: 'error',
      from: { path: '^(api-gateway|user-service|product-service|order-service|service-registry)/' },
      to: { path: '^(api-gateway|user-service|product-service|order-service|service-registry)/', pathNot: '^$1/' },
    },
    {
      name: 'packages-by-name-only',
      comment: 'a package imports another only by its package name (@shop/shared/...), never by a relative path',
      severity: 'error',
      from: { path: '^([^/]+)/' },
      to: { dependencyTypes: ['local'], dependencyTypesNot: ['aliased-workspace'], pathNot: '^$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // @shop/shared/* resolves to shared/dist: seen as a dependency (for the rules), not cruised.
    doNotFollow: { path: ['node_modules', '^shared/dist/'] },
    exclude: { path: '^(api-gateway|user-service|product-service|order-service|service-registry|scripts)/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    // Resolve package `exports` (how @shop/shared's entry points are published).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.d.ts', '.json'],
    },
  },
};
