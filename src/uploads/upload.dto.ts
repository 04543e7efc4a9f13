import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, MaxLength, Min } from 'class-validator';
import { IMAGE_CONTENT_TYPES, type ImageContentType } from '../media/image-types.js';
import type * as Contract from '../common/api-contract.js';

export class PresignImageUploadDto {
  @ApiProperty({
    enum: IMAGE_CONTENT_TYPES,
    description: 'The type the browser will upload; bound into the signature',
  })
  @IsIn(IMAGE_CONTENT_TYPES)
  contentType!: ImageContentType;

  @ApiProperty({
    description: 'Exact size in bytes of the file to upload, at most MAX_IMAGE_BYTES',
    example: 123456,
  })
  // Decorators run bottom-up and validation stops at the first failure: the type check comes first.
  @Min(1)
  @IsInt()
  bytes!: number;
}

export class UploadedImageDto implements Contract.UploadedImage {
  @ApiProperty({ example: 'images/alice/0b6f1b52-4a4c-4f55-9c55-3f3c4f7b1e9a.png' }) key!: string;
  @ApiProperty({ enum: IMAGE_CONTENT_TYPES }) contentType!: ImageContentType;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty() bytes!: number;
}

export class PresignedImageUploadDto implements Contract.PresignedImageUpload {
  @ApiProperty({ description: 'Key the image will have; send it as `id` when creating a generation' })
  key!: string;
  @ApiProperty({ description: 'Presigned URL: PUT the file here before expiresAt' }) url!: string;
  @ApiProperty({ enum: ['PUT'] }) method!: 'PUT';
  @ApiProperty({
    description: 'Headers the PUT must carry exactly (Content-Type and Content-Length are signed)',
    example: { 'Content-Type': 'image/png', 'Content-Length': '123456' },
  })
  headers!: Record<string, string>;
  @ApiProperty() expiresAt!: string;
}

export class CompleteImageUploadDto {
  @ApiProperty({ description: 'The key answered by /uploads/images/presign, after the PUT succeeded' })
  @IsString()
  @MaxLength(1024)
  key!: string;
}
