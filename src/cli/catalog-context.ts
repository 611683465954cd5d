import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig } from '@modules/config';
import { CatalogService } from '@modules/catalog';

/** Opens the application context (storage + migrations) just long enough to use the catalog service. */
export async function withCatalogService<T>(work: (catalog: CatalogService) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadConfig()), {
    logger: ['error', 'warn'],
  });
  try {
    return await work(app.get(CatalogService));
  } finally {
    await app.close();
  }
}
