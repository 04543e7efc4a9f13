import {
  BadRequestException,
  CallHandler,
  Controller,
  ExecutionContext,
  HttpCode,
  Inject,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  Post,
  UploadedFile,
  UseInterceptors,
  Body,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { catchError, Observable, throwError } from 'rxjs';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import {
  CompleteImageUploadDto,
  PresignedImageUploadDto,
  PresignImageUploadDto,
  UploadedImageDto,
} from './upload.dto.js';
import { UploadsService } from './uploads.service.js';

/** The part of multer's file we use: its bytes, held in memory. */
interface ReceivedFile {
  buffer: Buffer;
}

/** multer stops reading at MAX_IMAGE_BYTES with a bare "File too large"; say which limit it was. */
@Injectable()
class ImageSizeLimitMessage implements NestInterceptor {
  constructor(@Inject(UploadsService) private readonly uploads: UploadsService) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          throwError(() => (error instanceof PayloadTooLargeException ? this.uploads.tooLarge() : error)),
        ),
      );
  }
}

@ApiTags('uploads')
@ApiBearerAuth()
@ApiErrors(401, 429, 503)
@Controller('uploads/images')
export class UploadsController {
  constructor(@Inject(UploadsService) private readonly uploads: UploadsService) {}

  @Post()
  @HttpCode(201)
  @UseInterceptors(ImageSizeLimitMessage, FileInterceptor('file'))
  @ApiOperation({
    summary:
      'Upload a JPEG, PNG or WebP image (multipart field "file"); its key is the `id` for image-to-video',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    },
  })
  @ApiCreatedResponse({ type: UploadedImageDto })
  @ApiErrors(
    [400, 'No file field, or a file that is empty, truncated or undecodable; nothing is stored'],
    411,
    [413, 'The file is over MAX_IMAGE_BYTES (refused from Content-Length before the body is read)'],
    415,
  )
  async upload(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: ReceivedFile | undefined,
  ): Promise<UploadedImageDto> {
    if (!file) {
      throw new BadRequestException('Send the image as multipart/form-data in a field named "file"');
    }
    return this.uploads.storeImage(user, file.buffer);
  }

  @Post('presign')
  @HttpCode(201)
  @ApiOperation({ summary: 'A presigned PUT URL for uploading an image directly from the browser' })
  @ApiCreatedResponse({ type: PresignedImageUploadDto })
  @ApiErrors(
    [400, 'A content type other than image/jpeg, image/png or image/webp, or an invalid size'],
    [413, 'The declared size is over MAX_IMAGE_BYTES'],
  )
  presign(
    @CurrentUser() user: AuthUser,
    @Body() body: PresignImageUploadDto,
  ): Promise<PresignedImageUploadDto> {
    return this.uploads.presignImageUpload(user, body.contentType, body.bytes);
  }

  @Post('complete')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'After a presigned PUT: check the stored bytes are a JPEG, PNG or WebP (refused ones are deleted)',
  })
  @ApiOkResponse({ type: UploadedImageDto })
  @ApiErrors(
    [400, 'The stored bytes are empty, truncated or undecodable (the object is deleted)'],
    [403, 'The key is outside your own prefix'],
    [404, 'Nothing is stored under this key (the PUT has not happened)'],
    [413, 'The stored object is over MAX_IMAGE_BYTES (it is deleted)'],
    [415, 'The stored bytes are not a JPEG, PNG or WebP (the object is deleted)'],
  )
  complete(@CurrentUser() user: AuthUser, @Body() body: CompleteImageUploadDto): Promise<UploadedImageDto> {
    return this.uploads.inspectStoredImage(user, body.key, { removeIfInvalid: true });
  }
}
