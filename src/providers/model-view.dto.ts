import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as Contract from '../common/api-contract.js';

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

class ModelLifecycleView implements Contract.ModelLifecycle {
  @ApiProperty({ enum: ['active', 'deprecated', 'retired'] }) status!: 'active' | 'deprecated' | 'retired';
  @ApiPropertyOptional({ description: 'When it was deprecated (ISO 8601)' }) deprecatedAt?: string;
  @ApiPropertyOptional({
    description: 'When it stops working upstream (ISO 8601); retired models answer 400',
  })
  sunsetAt?: string;
  @ApiPropertyOptional({ description: 'The model to use instead', example: 'veo3.1' }) replacement?: string;
  @ApiPropertyOptional() note?: string;
}

class ModelSourceView {
  @ApiProperty({ description: 'The provider page the entry was taken from' }) url!: string;
  @ApiProperty({ description: 'When it was read (date)' }) retrieved!: string;
  @ApiPropertyOptional() note?: string;
}

class ModelFeaturesView {
  @ApiProperty() audio!: boolean;
  @ApiProperty() negativePrompt!: boolean;
  @ApiProperty() seed!: boolean;
  @ApiProperty({ description: 'frame_index other than 0' }) frameIndex!: boolean;
  @ApiProperty({ description: 'Crop bounds for the source image' }) crop!: boolean;
}

/** One entry of GET /video-gen/models (built by toModelView). */
export class ModelView implements Contract.ModelView {
  @ApiProperty({ description: 'The name to send as `model`', example: 'veo3' }) name!: string;
  @ApiProperty({ example: 'Veo 3' }) displayName!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: ['fal', 'azure', 'local'] }) provider!: 'fal' | 'azure' | 'local';
  @ApiProperty({ description: 'Who makes the model', example: 'Google' }) vendor!: string;
  @ApiProperty({ description: 'The provider’s own model or deployment id' }) providerModel!: string;
  @ApiPropertyOptional({ description: 'The provider’s model id for text-to-video, when it differs' })
  textToVideoModel?: string;
  @ApiProperty({ type: ModelLifecycleView }) lifecycle!: ModelLifecycleView;
  @ApiProperty({
    enum: ['native', 'last-frame'],
    description: '`native`: the model’s own extend endpoint; `last-frame`: a new segment from the last frame',
  })
  extend!: 'native' | 'last-frame';
  @ApiPropertyOptional({ description: 'Seconds one native extension adds', example: 7 })
  extendSeconds?: number;
  @ApiPropertyOptional({ description: 'Longest prompt the model takes, in characters', example: 2500 })
  maxPromptLength?: number;
  @ApiProperty({ description: 'False for local-motion: it moves the still image, nothing is generated' })
  ai!: boolean;
  @ApiProperty({ enum: ['image-to-video', 'text-to-video'], isArray: true })
  kinds!: Array<'image-to-video' | 'text-to-video'>;
  @ApiProperty({ type: [Number], description: 'Seconds one provider call can produce', example: [4, 6, 8] })
  segmentDurations!: number[];
  @ApiPropertyOptional({ type: [String], example: ['16:9', '9:16'] }) aspectRatios?: string[];
  @ApiPropertyOptional({ type: [String], example: ['720p', '1080p'] }) resolutions?: string[];
  @ApiPropertyOptional({ type: [String], example: ['1280x720', '720x1280'] }) sizes?: string[];
  @ApiProperty({ type: ModelDefaultsView }) defaults!: ModelDefaultsView;
  @ApiProperty({ type: ModelPriceView }) price!: ModelPriceView;
  @ApiProperty({ type: ModelFeaturesView }) features!: ModelFeaturesView;
  @ApiPropertyOptional({ type: ModelSourceView }) source?: ModelSourceView;
  @ApiProperty({ description: 'Whether this server can use the model now' }) available!: boolean;
  @ApiProperty({ type: [String], description: 'Settings to set for the model to become available' })
  missingSettings!: string[];
}

export class ModelListView implements Contract.ModelList {
  @ApiProperty({ type: [ModelView] }) models!: ModelView[];
}
