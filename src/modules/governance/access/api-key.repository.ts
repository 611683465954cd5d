import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { StorageService } from '@modules/storage';

export interface ApiKeyRow {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly keyHash: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly storage: StorageService) {}

  async findActiveByHash(keyHash: string): Promise<ApiKeyRow | null> {
    return this.storage.prisma.apiKey.findFirst({ where: { keyHash, revokedAt: null } });
  }

  async findByName(name: string): Promise<ApiKeyRow | null> {
    return this.storage.prisma.apiKey.findUnique({ where: { name } });
  }

  async create(name: string, role: string, keyHash: string): Promise<ApiKeyRow> {
    return this.storage.prisma.apiKey.create({ data: { id: randomUUID(), name, role, keyHash } });
  }

  async revoke(name: string): Promise<boolean> {
    const { count } = await this.storage.prisma.apiKey.updateMany({
      where: { name, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0;
  }

  /** Replaces the key (and role) of a named key, e.g. when ADMIN_API_KEYS rotates it. */
  async replace(name: string, role: string, keyHash: string): Promise<ApiKeyRow> {
    return this.storage.prisma.apiKey.update({ where: { name }, data: { role, keyHash, revokedAt: null } });
  }
}
