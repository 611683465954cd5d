// Public surface of modules/catalog: what other modules may import. Everything else is internal.
export { CatalogModule } from './catalog.module';
export { CatalogService } from './catalog.service';
