import { Inject, Logger, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EmbeddedS3Server } from './embedded-s3.server.js';
import { ObjectStorage } from './object-storage.js';
import { S3ObjectStorage } from './s3-object-storage.js';

/** The one S3 client (and, in zero-config mode, the embedded S3 server it talks to). */
@Module({
  providers: [
    {
      provide: EmbeddedS3Server,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        if (!config.storage.embedded) return null;
        return EmbeddedS3Server.start({
          directory: config.storage.embeddedDir,
          port: config.storage.embeddedPort,
          portFile: config.storage.embeddedPortFile,
          bucket: config.storage.bucket,
          corsOrigins: config.security.corsOrigins,
        });
      },
    },
    {
      provide: ObjectStorage,
      inject: [AppConfig, EmbeddedS3Server],
      useFactory: (config: AppConfig, embedded: EmbeddedS3Server | null) => {
        const logger = new Logger('Storage');
        if (embedded) {
          logger.log(`embedded S3 (s3rver) at ${embedded.endpoint}, files in ${config.storage.embeddedDir}`);
          return new S3ObjectStorage({
            ...config.storage,
            endpoint: embedded.endpoint,
            forcePathStyle: true,
            accessKeyId: EmbeddedS3Server.accessKeyId,
            secretAccessKey: EmbeddedS3Server.secretAccessKey,
          });
        }
        logger.log(
          `S3 bucket "${config.storage.bucket}"${config.storage.endpoint ? ` at ${config.storage.endpoint}` : ''}`,
        );
        return S3ObjectStorage.fromConfig(config.storage);
      },
    },
  ],
  exports: [ObjectStorage, EmbeddedS3Server],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(
    @Inject(ObjectStorage) private readonly storage: ObjectStorage,
    @Optional() @Inject(EmbeddedS3Server) private readonly embedded: EmbeddedS3Server | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.storage instanceof S3ObjectStorage) this.storage.destroy();
    await this.embedded?.stop();
  }
}
