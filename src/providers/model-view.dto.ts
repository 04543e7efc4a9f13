import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class ModelPriceView {
  @ApiProperty({ description: 'Credits (a JSON number, at most one decimal place)', example: 750 })
  credits!: number;
  @ApiProperty({
    enum: ['generation', 'second'],
    description: '`generation`: one price whatever the duration; `second`: per second of video',
  })
  per!: 'generation' | 'second';
}

class ModelDefaultsView {
  @ApiPropertyOptional({ example: '16:9' }) aspectRatio?: string;
  @ApiPropertyOptional({ example: '720p' }) resolution?: string;
  @ApiPropertyOptional({ example: '1280x720' }) size?: string;
  @ApiPropertyOptional() generateAudio?: boolean;
}

class ModelFeaturesView {
  @ApiProperty() audio!: boolean;
  @ApiProperty() negativePrompt!: boolean;
  @ApiProperty() seed!: boolean;
  @ApiProperty({ description: 'frame_index other than 0' }) frameIndex!: boolean;
  @ApiProperty({ description: 'Crop bounds for the source image' }) crop!: boolean;
}

/** One entry of GET /video-gen/models (built by toModelView). */
export class ModelView {
  @ApiProperty({ description: 'The name to send as `model`', example: 'veo3' }) name!: string;
  @ApiProperty({ example: 'Veo 3' }) displayName!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: ['fal', 'azure', 'local'] }) provider!: string;
  @ApiProperty({ description: 'The provider’s own model or deployment id' }) providerModel!: string;
  @ApiProperty({ description: 'False for local-motion: it moves the still image, nothing is generated' })
  ai!: boolean;
  @ApiProperty({ enum: ['image-to-video', 'text-to-video'], isArray: true }) kinds!: string[];
  @ApiProperty({ type: [Number], description: 'Seconds one provider call can produce', example: [4, 6, 8] })
  segmentDurations!: number[];
  @ApiPropertyOptional({ type: [String], example: ['16:9', '9:16'] }) aspectRatios?: string[];
  @ApiPropertyOptional({ type: [String], example: ['720p', '1080p'] }) resolutions?: string[];
  @ApiPropertyOptional({ type: [String], example: ['1280x720', '720x1280'] }) sizes?: string[];
  @ApiProperty({ type: ModelDefaultsView }) defaults!: ModelDefaultsView;
  @ApiProperty({ type: ModelPriceView }) price!: ModelPriceView;
  @ApiProperty({ type: ModelFeaturesView }) features!: ModelFeaturesView;
  @ApiProperty({ description: 'Whether this server can use the model now' }) available!: boolean;
  @ApiProperty({ type: [String], description: 'Settings to set for the model to become available' })
  missingSettings!: string[];
}

export class ModelListView {
  @ApiProperty({ type: [ModelView] }) models!: ModelView[];
}
